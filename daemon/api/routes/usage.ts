import { z } from 'zod';
import type { UsageService } from '../../services/usage.js';
import { type Route, route } from '../router.js';

const query = z
  .object({
    from: z.string().max(64).optional(),
    to: z.string().max(64).optional(),
    by: z.enum(['user', 'group']).optional(),
  })
  .strict();

/** What the usage route needs. */
export type UsageBackend = Pick<UsageService, 'report' | 'monthReport'>;

const monthQuery = z.strictObject({ month: z.string().max(16) });

export function usageRoutes(svc: UsageBackend): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/usage',
      handler: async ({ caller, query: qs }) => ({
        json: await svc.report(caller, query.parse(Object.fromEntries(qs))),
      }),
    }),
    route({
      method: 'GET',
      path: '/v1/admin/report',
      handler: async ({ caller, query: qs }) => ({
        json: await svc.monthReport(caller, monthQuery.parse(Object.fromEntries(qs)).month),
      }),
    }),
  ];
}

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
export type UsageBackend = Pick<UsageService, 'report'>;

export function usageRoutes(svc: UsageBackend): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/usage',
      handler: async ({ caller, query: qs }) => ({
        json: await svc.report(caller, query.parse(Object.fromEntries(qs))),
      }),
    }),
  ];
}

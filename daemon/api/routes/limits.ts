import type { LimitsService } from '../../services/limits.js';
import { type Route, route } from '../router.js';

/** What the limits routes need. */
export type LimitsBackend = Pick<LimitsService, 'report' | 'explainText'>;

export function limitsRoutes(svc: LimitsBackend): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/limits/me',
      handler: async ({ caller }) => ({ json: await svc.report(caller) }),
    }),
    route({
      method: 'GET',
      path: '/v1/limits/:user',
      handler: async ({ caller, params }) => ({ json: await svc.report(caller, params.user) }),
    }),
    route({
      method: 'GET',
      path: '/v1/admin/policy/explain/:user',
      admin: true,
      handler: async ({ caller, params }) => ({
        json: { text: await svc.explainText(caller, params.user as string) },
      }),
    }),
  ];
}

import type { DashboardService } from '../../services/dashboard.js';
import { type Route, route } from '../router.js';

/** What the dashboard route needs. */
export type DashboardBackend = Pick<DashboardService, 'snapshot'>;

export function dashboardRoutes(svc: DashboardBackend): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/dashboard',
      handler: async ({ caller }) => ({ json: await svc.snapshot(caller) }),
    }),
  ];
}

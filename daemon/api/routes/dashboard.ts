import type { DashboardService } from '../../services/dashboard.js';
import { type Route, route } from '../router.js';

export function dashboardRoutes(svc: Pick<DashboardService, 'snapshot'>): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/dashboard',
      handler: async ({ caller }) => ({ json: await svc.snapshot(caller) }),
    }),
  ];
}

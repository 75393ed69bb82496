import type { MigService } from '../../services/mig/index.js';
import { type Route, route } from '../router.js';
import { migApplyRequest, migCancelRequest } from '../types/mig.js';

/** What the MIG routes need. */
export type MigBackend = Pick<MigService, 'plan' | 'apply' | 'status' | 'cancel'>;

export function migRoutes(mig: MigBackend): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/admin/mig/plan',
      admin: true,
      handler: async ({ caller }) => ({ json: await mig.plan(caller) }),
    }),
    route({
      method: 'POST',
      path: '/v1/admin/mig/apply',
      admin: true,
      body: migApplyRequest,
      handler: async ({ caller, body }) => ({ json: await mig.apply(caller, body) }),
    }),
    route({
      method: 'GET',
      path: '/v1/admin/mig/status',
      admin: true,
      handler: () => ({ json: mig.status() }),
    }),
    route({
      method: 'POST',
      path: '/v1/admin/mig/cancel',
      admin: true,
      body: migCancelRequest,
      handler: ({ caller, body }) => ({ json: mig.cancel(caller, body) }),
    }),
  ];
}

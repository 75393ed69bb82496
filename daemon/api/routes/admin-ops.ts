// Admin-only views and force actions: every container, stop/retire anyone's with a reason the owner sees,
// the whole audit log, the users report and doctor. `admin: true` on each route: the server refuses
// (FORBIDDEN, audited) before any handler runs.
import type { UsersReport } from '../../services/admin-users.js';
import type { ContainerQueries } from '../../services/containers-read.js';
import type { DoctorService } from '../../services/doctor.js';
import type { EventsService } from '../../services/events.js';
import type { Caller } from '../router.js';
import { type Route, route } from '../router.js';
import { adminRetireRequest, adminStopRequest, adminUsersQuery } from '../types/admin.js';
import { eventsQuery } from './events.js';

/**
 * What stop/retire need from the containers service (the service checks ownership; admins see all). The
 * owner hears why through the one event the service records (notices and `ds01 events` show it).
 */
export interface ContainerActions {
  stop(
    caller: Caller,
    ref: string,
    opts: { timeout?: number; force?: boolean; adminReason: string },
  ): Promise<unknown>;
  retire(caller: Caller, ref: string, opts: { force?: boolean; adminReason: string }): Promise<unknown>;
}

export interface AdminOpsDeps {
  queries: Pick<ContainerQueries, 'list'>;
  containers: ContainerActions;
  events: Pick<EventsService, 'list' | 'follow'>;
  users: Pick<UsersReport, 'rows' | 'inactive'>;
  doctor: Pick<DoctorService, 'report'>;
}

export function adminOpsRoutes(d: AdminOpsDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/admin/containers',
      admin: true,
      handler: ({ caller }) => ({ json: d.queries.list(caller, { all: true }) }),
    }),
    route({
      method: 'POST',
      path: '/v1/admin/containers/:ref/stop',
      admin: true,
      body: adminStopRequest,
      handler: async ({ caller, params, body }) => ({
        json: await d.containers.stop(caller, params.ref as string, {
          force: body.force,
          timeout: body.timeout,
          adminReason: body.reason,
        }),
      }),
    }),
    route({
      method: 'POST',
      path: '/v1/admin/containers/:ref/retire',
      admin: true,
      body: adminRetireRequest,
      handler: async ({ caller, params, body }) => ({
        json: await d.containers.retire(caller, params.ref as string, {
          force: body.force,
          adminReason: body.reason,
        }),
      }),
    }),
    route({
      method: 'GET',
      path: '/v1/admin/events',
      admin: true,
      handler: async ({ caller, query, signal }) => {
        const q = eventsQuery.parse(Object.fromEntries(query));
        if (q.follow === '1' || q.follow === 'true') return { ndjson: d.events.follow(caller, q, signal) };
        return { json: await d.events.list(caller, q) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/admin/users',
      admin: true,
      handler: async ({ query }) => {
        const { inactive } = adminUsersQuery.parse(Object.fromEntries(query));
        return { json: inactive === undefined ? await d.users.rows() : await d.users.inactive(inactive) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/admin/doctor',
      admin: true,
      handler: async () => ({ json: await d.doctor.report() }),
    }),
  ];
}

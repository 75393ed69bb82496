import { type Route, route } from '../router.js';
import type { SystemStatus, WhoAmI } from '../types/system.js';

/** What the system routes need (SystemService). */
export interface SystemBackend {
  status(): Promise<SystemStatus>;
}

export function systemRoutes(svc: SystemBackend): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/system/whoami',
      handler: ({ caller }) => {
        const body: WhoAmI = {
          uid: caller.uid,
          gid: caller.gid,
          name: caller.name,
          home: caller.home,
          groups: caller.groups,
          admin: caller.admin,
          pid: caller.pid,
        };
        return { json: body };
      },
    }),
    route({ method: 'GET', path: '/v1/system/health', handler: () => ({ json: { ok: true } }) }),
    route({ method: 'GET', path: '/v1/system/info', handler: async () => ({ json: await svc.status() }) }),
  ];
}

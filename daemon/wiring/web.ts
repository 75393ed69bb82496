// Wiring for the web dashboard (issue 19): a second ApiServer on its own Unix socket, with the same
// peer-credential identity, connection caps and audit of refusals as the API socket. It serves the
// page, its assets, the live feed, and an allow-list of the API's own /v1 routes, so the page reads
// exactly what the commands read through the same services. The guard refuses foreign Hosts on every
// request and requires Origin + the page's CSRF token on anything that is not a GET.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type Route, Router } from '../api/router.js';
import { webInfoRoutes, webPageRoutes } from '../api/routes/web.js';
import { ApiServer } from '../api/server.js';
import type { Clock } from '../clock.js';
import { type Caller, callerResolver } from '../identity/caller.js';
import type { AccountLookup } from '../identity/nss.js';
import type { Logger } from '../log.js';
import type { MetricsCounters } from '../metrics/counters.js';
import type { EventsService } from '../services/events.js';
import { LiveService } from '../services/live.js';
import type { PolicyService } from '../services/policy.js';
import type { Settings } from '../settings.js';
import type { Audit } from '../store/audit.js';
import { loadWebAssets } from '../web/assets.js';
import { csrfProblem, mintCsrf } from '../web/csrf.js';
import { CSRF_HEADER, WEB_HEADERS, webRefusal } from '../web/guard.js';

export { webInfoRoutes };

/** The API routes the page uses: reads, and the actions it offers (each behind the CSRF guard). */
export const WEB_API_ROUTES = [
  'GET /v1/dashboard',
  'GET /v1/containers',
  'GET /v1/containers/:ref/why',
  'GET /v1/jobs',
  'GET /v1/queue',
  'GET /v1/usage',
  'GET /v1/events',
  'GET /v1/system/whoami',
  'GET /v1/bookings',
  'POST /v1/containers/:ref/extend',
  'POST /v1/containers/:ref/retire',
  'POST /v1/jobs/:id/cancel',
  'DELETE /v1/queue/:id',
  'DELETE /v1/bookings/:id',
] as const;

function pick(api: Router, wanted: readonly string[]): Route[] {
  return wanted.map((key) => {
    const r = api.routes.find((x) => `${x.method} ${x.path}` === key);
    // A renamed API route must not silently vanish from the page.
    if (!r) throw new Error(`web dashboard: the API has no route ${key}`);
    return r;
  });
}

const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export interface WebWiring {
  close(): Promise<void>;
}

export async function startWeb(d: {
  settings: Settings;
  router: Router;
  events: EventsService;
  accounts: AccountLookup;
  policy: Pick<PolicyService, 'current'>;
  audit: Audit;
  metrics: { counters: MetricsCounters };
  clock: Clock;
  log: Logger;
}): Promise<WebWiring> {
  const path = d.settings.webSocket;
  if (!path) return { close: async () => undefined };
  const key = randomBytes(32);
  const live = new LiveService(d.events, { refreshMs: 15_000, coalesceMs: 150 });
  const routes = [
    ...webPageRoutes(loadWebAssets(), live, (uid) => mintCsrf(key, uid, d.clock.now())),
    ...pick(d.router, WEB_API_ROUTES),
  ];
  const server = new ApiServer({
    router: new Router(routes),
    connections: {
      perUser: d.settings.maxConnectionsPerUser,
      total: d.settings.maxConnections,
      adminReserve: d.settings.adminConnectionReserve,
    },
    headers: WEB_HEADERS,
    guard: (req, caller: Caller) => {
      const method = req.method ?? 'GET';
      const token = header(req, CSRF_HEADER);
      return webRefusal({
        method,
        host: header(req, 'host'),
        origin: header(req, 'origin'),
        secFetchSite: header(req, 'sec-fetch-site'),
        csrfProblem:
          method === 'GET' || method === 'HEAD' ? null : csrfProblem(key, caller.uid, token, d.clock.now()),
      });
    },
    onRequest: (method, route, status) =>
      d.metrics.counters.request(method, `web ${route.replace(/^\S+ /, '')}`, status),
    log: d.log,
    resolveCaller: callerResolver(d.accounts, () => d.policy.current()),
    onDenied: (caller, code, method, reqPath, message) =>
      d.audit.byUser(caller, 'access.denied', { subjectUid: caller.uid }, message, {
        code,
        method,
        path: reqPath,
        socket: 'web',
      }),
  });
  let group: { gid: number } | null = null;
  if (d.settings.socketGroup) {
    const line = execFileSync('getent', ['group', d.settings.socketGroup], { encoding: 'utf8' });
    group = { gid: Number(line.split(':')[2]) };
  }
  try {
    await server.listen({ path, group });
  } catch (err) {
    // The page is an extra: without it the commands still work, so ds01d serves on and says why.
    d.log.error('web dashboard not served', { socket: path, error: (err as Error).message });
    return { close: async () => undefined };
  }
  d.log.info('web dashboard listening', { socket: path });
  return { close: () => server.close() };
}

// The web dashboard's own routes (served only on the web socket): the page, its bundled assets and the
// live feed. Everything else the page shows it reads through the same /v1 routes the commands use.
// `GET /v1/web` (on the API socket) tells `ds01 web` where the page is.
import { hostname } from 'node:os';
import { notFound } from '../../errors.js';
import type { LiveService } from '../../services/live.js';
import type { WebAssets } from '../../web/assets.js';
import { type Route, route } from '../router.js';
import type { WebInfo } from '../types/web.js';

export type LiveBackend = Pick<LiveService, 'stream'>;

export function webPageRoutes(
  assets: WebAssets,
  live: LiveBackend,
  csrfFor: (uid: number) => string,
): Route[] {
  return [
    route({
      method: 'GET',
      path: '/',
      handler: ({ caller }) => ({ body: assets.page(csrfFor(caller.uid)), type: 'text/html; charset=utf-8' }),
    }),
    route({
      method: 'GET',
      path: '/assets/:file',
      handler: ({ params }) => {
        const a = assets.asset(params.file as string);
        if (!a) throw notFound(`asset ${params.file}`, 'reload the page');
        return a;
      },
    }),
    route({
      method: 'GET',
      path: '/ui/live',
      handler: ({ caller, signal }) => ({ sse: live.stream(caller, signal) }),
    }),
  ];
}

/** On the API socket: where the web dashboard listens (null: switched off). */
export function webInfoRoutes(socket: string | null): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/web',
      handler: () => ({ json: { socket, host: hostname() } satisfies WebInfo }),
    }),
  ];
}

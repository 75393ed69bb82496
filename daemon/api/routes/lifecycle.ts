import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { LifecycleService } from '../../services/lifecycle.js';
import { type Caller, type Route, route } from '../router.js';
import { extendRequest, sweepRequest } from '../types/lifecycle.js';
import { NOTICES_HEADER, NOTICES_REQUEST_HEADER, NOTICES_WANTED } from '../types/notice-header.js';

const flag = z.enum(['0', '1', 'true', 'false']).optional();
const on = (v: string | undefined) => v === '1' || v === 'true';

/** What the lifecycle routes need. */
export type LifecycleBackend = Pick<
  LifecycleService,
  'why' | 'extend' | 'notices' | 'unreadForAnswer' | 'sweep'
>;

export function lifecycleRoutes(svc: LifecycleBackend): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/containers/:ref/why',
      handler: async ({ caller, params }) => ({ json: await svc.why(caller, params.ref as string) }),
    }),
    route({
      method: 'POST',
      path: '/v1/containers/:ref/extend',
      body: extendRequest,
      handler: async ({ caller, params, body }) => ({
        json: await svc.extend(caller, params.ref as string, body.duration),
      }),
    }),
    route({
      method: 'GET',
      path: '/v1/notices',
      handler: ({ caller, query }) => {
        const q = z.object({ all: flag, mark: flag }).strict().parse(Object.fromEntries(query));
        return { json: svc.notices(caller, { all: on(q.all), mark: on(q.mark) }) };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/admin/sweep',
      admin: true,
      body: sweepRequest,
      handler: async ({ body }) => ({ json: await svc.sweep({ dryRun: body.dryRun }) }),
    }),
  ];
}

/**
 * ApiServer's answerHeaders: a request that asks for them (the CLI's first request of a command) gets
 * the caller's unread notices on its answer, so the command needs no request of its own for them.
 */
export function noticesOnAnswer(
  svc: Pick<LifecycleBackend, 'unreadForAnswer'>,
): (req: IncomingMessage, caller: Caller) => Record<string, string> | undefined {
  return (req, caller) => {
    if (req.headers[NOTICES_REQUEST_HEADER] !== NOTICES_WANTED) return undefined;
    const value = svc.unreadForAnswer(caller);
    return value === null ? undefined : { [NOTICES_HEADER]: value };
  };
}

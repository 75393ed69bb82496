import { z } from 'zod';
import type { ContainerService } from '../../services/containers/index.js';
import type { ContainerQueries } from '../../services/containers-read.js';
import type { GpuQueue } from '../../services/gpu-queue.js';
import { type Route, route, type UpgradeRoute } from '../router.js';
import { bridgeShell } from '../shell-bridge.js';
import {
  type ContainerListing,
  containerCreateRequest,
  containerDeployRequest,
  retireRequest,
  stopRequest,
} from '../types/containers.js';

const listQuery = z.object({ all: z.enum(['0', '1', 'true', 'false']).optional() }).strict();

/** What the read routes need (ownership: resolve refuses another user's container). */
export type ContainerReadBackend = Pick<ContainerQueries, 'listJson' | 'resolve' | 'summary'>;

const JSON_TYPE = 'application/json';

export function containerReadRoutes(q: ContainerReadBackend, queue: Pick<GpuQueue, 'list'>): Route[] {
  const all = (query: URLSearchParams) => {
    const p = listQuery.parse(Object.fromEntries(query));
    return p.all === '1' || p.all === 'true';
  };
  return [
    route({
      method: 'GET',
      path: '/v1/containers',
      handler: ({ caller, query }) => ({ body: q.listJson(caller, { all: all(query) }), type: JSON_TYPE }),
    }),
    route({
      method: 'GET',
      path: '/v1/container-list',
      // container-list in one request (issue 17): the containers and, beside them, the waiting deploys.
      // The containers' part is the kept text of GET /v1/containers; the queue is small and changes often.
      handler: ({ caller, query }) => {
        const queued: ContainerListing['queue'] = queue.list(caller);
        return {
          body: `{"containers":${q.listJson(caller, { all: all(query) })},"queue":${JSON.stringify(queued)}}`,
          type: JSON_TYPE,
        };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/containers/:ref',
      handler: ({ caller, params }) => ({ json: q.summary(q.resolve(caller, params.ref as string)) }),
    }),
  ];
}

// ——— the lifecycle: create/start/stop/remove, deploy/retire, logs, stats, and the shell ———

const flag = z.enum(['0', '1', 'true', 'false']).optional();
const on = (v: string | undefined) => v === '1' || v === 'true';

const removeQuery = z.strictObject({ force: flag });
const logsQuery = z.strictObject({
  tail: z.coerce.number().int().min(0).max(1_000_000).optional(),
  follow: flag,
});
const statsQuery = z.strictObject({ watch: flag });
const execQuery = z.strictObject({
  tty: flag,
  cols: z.coerce.number().int().min(1).max(10_000).optional(),
  rows: z.coerce.number().int().min(1).max(10_000).optional(),
  term: z.string().max(64).optional(),
  cmd: z.array(z.string().max(4096)).max(64).optional(),
});

/** What the lifecycle routes need from the container service. */
export type ContainerBackend = Pick<
  ContainerService,
  | 'create'
  | 'deploy'
  | 'start'
  | 'stop'
  | 'pause'
  | 'unpause'
  | 'remove'
  | 'retire'
  | 'logs'
  | 'stats'
  | 'watchStats'
>;

export function containerRoutes(svc: ContainerBackend): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/containers',
      body: containerCreateRequest,
      handler: async ({ caller, body }) => {
        const r = await svc.create(caller, body);
        return { status: r.status === 'created' ? 201 : 200, json: r };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/containers/deploy',
      body: containerDeployRequest,
      handler: async ({ caller, body }) => {
        const r = await svc.deploy(caller, body);
        return { status: r.status === 'queued' ? 202 : 200, json: r };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/containers/:ref/start',
      handler: async ({ caller, params }) => ({ json: await svc.start(caller, params.ref as string) }),
    }),
    route({
      method: 'POST',
      path: '/v1/containers/:ref/pause',
      handler: async ({ caller, params }) => ({ json: await svc.pause(caller, params.ref as string) }),
    }),
    route({
      method: 'POST',
      path: '/v1/containers/:ref/unpause',
      handler: async ({ caller, params }) => ({ json: await svc.unpause(caller, params.ref as string) }),
    }),
    route({
      method: 'POST',
      path: '/v1/containers/:ref/stop',
      body: stopRequest,
      handler: async ({ caller, params, body }) => ({
        json: await svc.stop(caller, params.ref as string, body),
      }),
    }),
    route({
      method: 'DELETE',
      path: '/v1/containers/:ref',
      handler: async ({ caller, params, query }) => {
        const q = removeQuery.parse(Object.fromEntries(query));
        return { json: await svc.remove(caller, params.ref as string, { force: on(q.force) }) };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/containers/:ref/retire',
      body: retireRequest,
      handler: async ({ caller, params, body }) => ({
        json: await svc.retire(caller, params.ref as string, body),
      }),
    }),
    route({
      method: 'GET',
      path: '/v1/containers/:ref/logs',
      handler: async ({ caller, params, query, signal }) => {
        const q = logsQuery.parse(Object.fromEntries(query));
        // Ownership and Docker are checked before the 200 goes out, so refusals are real errors.
        return {
          ndjson: await svc.logs(
            caller,
            params.ref as string,
            { tail: q.tail, follow: on(q.follow) },
            signal,
          ),
        };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/containers/:ref/stats',
      handler: async ({ caller, params, query, signal }) => {
        const q = statsQuery.parse(Object.fromEntries(query));
        if (!on(q.watch)) return { json: await svc.stats(caller, params.ref as string) };
        return { ndjson: await svc.watchStats(caller, params.ref as string, signal) };
      },
    }),
  ];
}

/** POST /v1/containers/:ref/exec with `Upgrade: tcp` — the shell (protocol in types/containers.ts). */
/** What the shell route needs. */
export type ShellBackend = Pick<ContainerService, 'openShell' | 'recordShellClosed'>;

export function containerUpgradeRoutes(svc: ShellBackend, now: () => number = Date.now): UpgradeRoute[] {
  return [
    {
      method: 'POST',
      path: '/v1/containers/:ref/exec',
      protocol: 'tcp',
      handler: async ({ caller, params, query }) => {
        const q = execQuery.parse({
          ...Object.fromEntries(query),
          cmd: query.getAll('cmd').length ? query.getAll('cmd') : undefined,
        });
        const { row, session } = await svc.openShell(caller, params.ref as string, {
          tty: on(q.tty),
          cols: q.cols,
          rows: q.rows,
          term: q.term,
          cmd: q.cmd,
        });
        const started = now();
        return (socket, head) =>
          bridgeShell(socket, head, session, (code) =>
            svc.recordShellClosed(caller, row, code, now() - started),
          );
      },
    },
  ];
}

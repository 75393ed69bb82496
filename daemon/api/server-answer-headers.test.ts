// Unread notices on a command's own answer: a request that asks gets the caller's notices in its answer's
// head, on every kind of answer (JSON, a stream, an error, an unknown path); one that does not ask costs
// nothing; a failure to read them never costs the answer. A real ApiServer on a temp socket with the
// lifecycle routes' own hook (identity via the test hook: a unit test cannot rely on SO_PEERCRED).
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Ds01Error } from '../errors.js';
import { createLogger } from '../log.js';
import { Router, route } from './router.js';
import { noticesOnAnswer } from './routes/lifecycle.js';
import { ApiServer } from './server.js';
import { NOTICES_HEADER, NOTICES_REQUEST_HEADER, NOTICES_WANTED } from './types/notice-header.js';

let dir: string;
let socket: string;
let server: ApiServer;
/** The uids whose notices were read, in order; `broken` makes reading them fail. */
const readFor: number[] = [];
let broken = false;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds01-answer-headers-'));
  socket = join(dir, 's.sock');
  const router = new Router([
    route({ method: 'GET', path: '/v1/ok', handler: () => ({ json: { ok: true } }) }),
    route({
      method: 'GET',
      path: '/v1/denied',
      handler: () => {
        throw new Ds01Error('FORBIDDEN', 'not yours');
      },
    }),
    route({
      method: 'GET',
      path: '/v1/stream',
      handler: () => ({
        ndjson: (async function* () {
          yield { n: 1 };
        })(),
      }),
    }),
  ]);
  server = new ApiServer({
    router,
    log: createLogger('error', () => undefined),
    readCred: () => ({ pid: 1, uid: 1234, gid: 1234 }),
    resolveCaller: async (c) => ({ ...c, name: 'u', home: '/tmp', groups: [], admin: false }),
    answerHeaders: noticesOnAnswer({
      unreadForAnswer: (caller) => {
        if (broken) throw new Error('database is locked');
        readFor.push(caller.uid);
        return `notices-of-${caller.uid}`;
      },
    }),
  });
  await server.listen({ path: socket });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  readFor.length = 0;
  broken = false;
});

function get(path: string, ask: string | null = NOTICES_WANTED) {
  return new Promise<{ status: number; notices: string | undefined }>((resolve, reject) => {
    const headers = ask === null ? {} : { [NOTICES_REQUEST_HEADER]: ask };
    const req = http.request({ socketPath: socket, path, headers }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, notices: res.headers[NOTICES_HEADER] as string | undefined }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('notices on the answer', () => {
  it('come, for the caller, on every kind of answer to a request that asks', async () => {
    for (const [path, status] of [
      ['/v1/ok', 200],
      ['/v1/stream', 200],
      ['/v1/denied', 403],
      ['/v1/nowhere', 404],
    ] as const)
      expect(await get(path), path).toEqual({ status, notices: 'notices-of-1234' });
    expect(readFor).toEqual([1234, 1234, 1234, 1234]);
  });

  it('are not read for a request that does not ask, or asks for something else', async () => {
    expect(await get('/v1/ok', null)).toEqual({ status: 200, notices: undefined });
    expect(await get('/v1/ok', 'all')).toEqual({ status: 200, notices: undefined });
    expect(readFor).toEqual([]);
  });

  it('never cost the answer when they cannot be read', async () => {
    broken = true;
    expect(await get('/v1/ok')).toEqual({ status: 200, notices: undefined });
  });
});

// Raw (streaming) request bodies: a route that takes uploads gets the body as a stream with its own size
// limit, while JSON routes keep the 1 MiB limit. A real ApiServer on a temp socket (identity via the
// test hook, since a unit test cannot rely on SO_PEERCRED being readable).
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../log.js';
import { Router, route } from './router.js';
import { ApiServer } from './server.js';

const MAX = 4 * 1024 * 1024;
let dir: string;
let socket: string;
let server: ApiServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds01-raw-'));
  socket = join(dir, 's.sock');
  const router = new Router([
    route({
      method: 'POST',
      path: '/v1/upload',
      raw: { maxBytes: MAX },
      handler: async ({ raw }) => {
        let n = 0;
        try {
          for await (const c of raw as AsyncIterable<Buffer>) n += c.length;
          return { json: { received: n } };
        } catch (err) {
          return { json: { received: n, error: (err as { code?: string }).code } };
        }
      },
    }),
    route({
      method: 'POST',
      path: '/v1/json',
      body: z.object({ s: z.string() }),
      handler: () => ({ json: { ok: true } }),
    }),
  ]);
  server = new ApiServer({
    router,
    log: createLogger('error', () => undefined),
    readCred: () => ({ pid: 1, uid: 1000, gid: 1000 }),
    resolveCaller: async (c) => ({ ...c, name: 'u', home: '/tmp', groups: [], admin: false }),
  });
  await server.listen({ path: socket });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function post(path: string, body: Buffer, headers: Record<string, string | number> = {}) {
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = http.request({ socketPath: socket, path, method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }),
      );
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // The server may close while we still send a refused upload; the answer already came back.
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    // Chunked unless a length is given: write in pieces as a client streaming a tar would.
    for (let i = 0; i < body.length; i += 256 * 1024) req.write(body.subarray(i, i + 256 * 1024));
    req.end();
  });
}

describe('raw routes', () => {
  it('stream a body far over the JSON limit to the handler', async () => {
    const r = await post('/v1/upload', Buffer.alloc(3 * 1024 * 1024, 1));
    expect(r).toEqual({ status: 200, body: { received: 3 * 1024 * 1024 } });
  });
  it('refuse a declared length over the route limit before the handler runs', async () => {
    const r = await post('/v1/upload', Buffer.alloc(10), { 'content-length': MAX + 1 }).catch((e) => e);
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });
  it('error the stream once a chunked body passes the limit', async () => {
    const r = await post('/v1/upload', Buffer.alloc(MAX + 512 * 1024, 1));
    expect(r.body, JSON.stringify(r.body)).toMatchObject({ error: 'PAYLOAD_TOO_LARGE' });
    expect(r.body.received).toBeLessThanOrEqual(MAX);
  });
  it('leave JSON routes on the 1 MiB limit', async () => {
    const big = Buffer.from(JSON.stringify({ s: 'x'.repeat(2 * 1024 * 1024) }));
    const r = await post('/v1/json', big, { 'content-type': 'application/json' });
    expect(r.status).toBe(413);
  });
});

// Unread notices ride beside the command's own request (one round trip, not two in a row) and are still
// printed before anything the command shows. A real HTTP server on a Unix socket stands in for ds01d.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '../lib/client.js';
import type { Ctx } from '../lib/context.js';
import { showPendingNotices } from './notices.js';

let dir: string;
let server: http.Server;
const arrived: string[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds01-notices-'));
  arrived.length = 0;
  server = http.createServer((req, res) => {
    arrived.push(req.url ?? '');
    const send = (body: unknown) => res.end(JSON.stringify(body));
    // The notices answer is slow: it comes only after the command's own request has arrived.
    if (req.url?.startsWith('/v1/notices')) {
      const wait = setInterval(() => {
        if (!arrived.some((u) => u.startsWith('/v1/containers'))) return;
        clearInterval(wait);
        send([{ ts: '2026-01-01T00:00:00Z', message: 'your container was stopped' }]);
      }, 5);
    } else send([{ name: 'c1' }]);
  });
  await new Promise<void>((r) => server.listen(join(dir, 'd.sock'), r));
});
afterEach(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function ctxWith(log: string[]): Ctx {
  const io = { out: (s: string) => log.push(`out ${s}`), err: (s: string) => log.push(`err ${s}`) };
  return { client: new Client(join(dir, 'd.sock')), io: { ...io, isTTY: false, color: false, columns: 80 } };
}

describe('notices before a command', () => {
  it('are requested beside the command and printed before its answer is used', async () => {
    const log: string[] = [];
    const ctx = ctxWith(log);
    const done = showPendingNotices(ctx);
    const list = await ctx.client.request<{ name: string }[]>('/containers');
    log.push(`answer ${list[0]?.name}`);
    await done();
    expect(log).toEqual(['err notice: your container was stopped\n', 'answer c1']);
    expect(arrived.map((u) => u.split('?')[0])).toEqual(['/v1/notices', '/v1/containers']);
  });

  it('are printed by the returned function when the command asked nothing, and only once', async () => {
    const log: string[] = [];
    const ctx = ctxWith(log);
    const done = showPendingNotices(ctx);
    // The server answers notices only once a containers request arrived: send one on another client.
    await new Client(join(dir, 'd.sock')).request('/containers');
    await done();
    await done();
    expect(log).toEqual(['err notice: your container was stopped\n']);
  });
});

// Unread notices ride on the command's own first request (ds01d puts them in that answer's head) and are
// printed before anything the command shows. A real HTTP server on a Unix socket stands in for ds01d.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fitNotices, NOTICES_HEADER, NOTICES_REQUEST_HEADER } from '../../daemon/api/types/notice-header.js';
import { Client } from '../lib/client.js';
import type { Ctx } from '../lib/context.js';
import { showPendingNotices } from './notices.js';

let dir: string;
let server: http.Server;
/** Each request: its path and whether it asked for notices. */
const arrived: { url: string; asked: boolean }[] = [];
let unread: string[];
/** What the stand-in puts in the notices header instead of the real thing (an older or odd daemon). */
let header: string | null | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds01-notices-'));
  arrived.length = 0;
  unread = ['your container was stopped'];
  header = undefined;
  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const asked = req.headers[NOTICES_REQUEST_HEADER] === 'unread';
    arrived.push({ url: url.split('?')[0] ?? '', asked });
    if (asked && header === undefined) {
      const { value } = fitNotices(
        unread.map((message, id) => ({
          id,
          ts: '',
          container: null,
          kind: 'action',
          message,
          deadline: null,
          shown: false,
        })),
      );
      unread = [];
      if (value) res.setHeader(NOTICES_HEADER, value);
    } else if (asked && typeof header === 'string') res.setHeader(NOTICES_HEADER, header);
    const send = (status: number, body: unknown) => {
      res.statusCode = status;
      res.end(JSON.stringify(body));
    };
    if (url.startsWith('/v1/denied')) send(403, { error: { code: 'FORBIDDEN', message: 'not yours' } });
    else if (url.startsWith('/v1/slow')) setTimeout(() => send(200, [{ name: 'slow' }]), 150);
    else if (url.startsWith('/v1/notices')) send(200, []);
    else send(200, [{ name: 'c1' }]);
  });
  await new Promise<void>((r) => server.listen(join(dir, 'd.sock'), r));
});
afterEach(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function ctxWith(log: string[], socket = join(dir, 'd.sock')): Ctx {
  const io = { out: (s: string) => log.push(`out ${s}`), err: (s: string) => log.push(`err ${s}`) };
  return { client: new Client(socket), io: { ...io, isTTY: false, color: false, columns: 80 } };
}

describe('notices before a command', () => {
  it('ride on its first request, one request in all, and are printed before its answer is used', async () => {
    const log: string[] = [];
    const ctx = ctxWith(log);
    const done = showPendingNotices(ctx);
    const list = await ctx.client.request<{ name: string }[]>('/containers');
    log.push(`answer ${list[0]?.name}`);
    await ctx.client.request('/containers');
    await done();
    expect(log).toEqual(['err notice: your container was stopped\n', 'answer c1']);
    expect(arrived).toEqual([
      { url: '/v1/containers', asked: true },
      { url: '/v1/containers', asked: false },
    ]);
  });

  it('come before an error answer too', async () => {
    const log: string[] = [];
    const ctx = ctxWith(log);
    showPendingNotices(ctx);
    const err = await ctx.client.request('/denied').catch((e: Error) => e.message);
    log.push(`error ${err}`);
    expect(log).toEqual(['err notice: your container was stopped\n', 'error not yours']);
  });

  it('hold back a later request whose answer comes first', async () => {
    const log: string[] = [];
    const ctx = ctxWith(log);
    showPendingNotices(ctx);
    const slow = ctx.client
      .request<{ name: string }[]>('/slow')
      .then((r) => log.push(`answer ${r[0]?.name}`));
    const fast = ctx.client
      .request<{ name: string }[]>('/fast')
      .then((r) => log.push(`answer ${r[0]?.name}`));
    await Promise.all([slow, fast]);
    expect(log[0]).toBe('err notice: your container was stopped\n');
    expect(arrived.filter((a) => a.asked).map((a) => a.url)).toEqual(['/v1/slow']);
  });

  it('are asked for on a request of their own when the command asked nothing, and shown once', async () => {
    const log: string[] = [];
    const ctx = ctxWith(log);
    const done = showPendingNotices(ctx);
    await done();
    await done();
    expect(log).toEqual(['err notice: your container was stopped\n']);
    expect(arrived).toEqual([{ url: '/v1/notices', asked: true }]);
  });

  it('are silent when the daemon sends none, sends garbage, or cannot be reached', async () => {
    for (const h of [null, 'bm90IGpzb24=', '!!!']) {
      header = h;
      const log: string[] = [];
      const ctx = ctxWith(log);
      showPendingNotices(ctx);
      await ctx.client.request('/containers');
      expect(log).toEqual([]);
    }
    const log: string[] = [];
    const done = showPendingNotices(ctxWith(log, join(dir, 'nobody.sock')));
    await done();
    expect(log).toEqual([]);
  });
});

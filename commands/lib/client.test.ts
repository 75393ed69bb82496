// The client's own HTTP (http-wire.ts over node:net) against Node's HTTP server, the one ds01d runs, on
// a Unix socket: JSON answers, typed errors, NDJSON streams, and every way a connection can fail.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, Client, DaemonUnreachableError, isConnectionLost } from './client.js';

let dir: string;
let server: Server;
let client: Client;
const seen: { method?: string; url?: string; body: string; headers: IncomingMessage['headers'] }[] = [];

const routes: Record<string, (req: IncomingMessage, res: ServerResponse, body: string) => void> = {
  '/v1/echo': (req, res, body) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ method: req.method, url: req.url, body: body ? JSON.parse(body) : null }));
  },
  '/v1/empty': (_, res) => {
    res.statusCode = 204;
    res.end();
  },
  '/v1/denied': (_, res) => {
    res.statusCode = 403;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ error: { code: 'FORBIDDEN', message: 'not yours', hint: 'ask its owner' } }));
  },
  '/v1/broken': (_, res) => {
    res.statusCode = 502;
    res.end('<html>bad gateway</html>');
  },
  '/v1/stream': (_, res) => {
    res.setHeader('Content-Type', 'application/x-ndjson');
    res.write('{"n":1}\n{"n"');
    setTimeout(() => res.end(':2}\n\n{"n":3}\n'), 20);
  },
  '/v1/cut': (_, res) => {
    res.setHeader('Content-Length', '100');
    res.write('{"partial":');
    setTimeout(() => res.socket?.destroy(), 20);
  },
  '/v1/slow': (_, res) => {
    setTimeout(() => res.end('{}'), 5000).unref();
  },
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds01-client-'));
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, body, headers: req.headers });
      const route = routes[(req.url ?? '').split('?')[0] ?? ''];
      if (route) route(req, res, body);
      else {
        res.statusCode = 404;
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(join(dir, 'd.sock'), resolve));
  client = new Client(join(dir, 'd.sock'));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('Client over the Unix socket', () => {
  it('sends the query and a JSON body, and parses the JSON answer', async () => {
    const r = await client.request<{ method: string; url: string; body: unknown }>('/echo', {
      body: { name: 'thèsis', n: 1 },
      query: { all: true, skip: false, none: undefined, q: 'a b&c' },
    });
    expect(r).toEqual({ method: 'POST', url: '/v1/echo?all=true&q=a+b%26c', body: { name: 'thèsis', n: 1 } });
    expect(seen.at(-1)?.headers).toMatchObject({
      host: 'ds01',
      connection: 'close',
      'content-type': 'application/json',
    });
    expect(await client.request('/echo', { method: 'DELETE' })).toMatchObject({
      method: 'DELETE',
      body: null,
    });
  });

  it('answers undefined for an empty answer', async () => {
    expect(await client.request('/empty', { method: 'POST' })).toBeUndefined();
  });

  it("throws the daemon's error with its code, hint and exit code", async () => {
    const err = await client.request('/denied').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      code: 'FORBIDDEN',
      message: 'not yours',
      hint: 'ask its owner',
      status: 403,
    });
    expect((err as ApiError).exitCode).toBe(3);
    const other = await client.request('/broken').catch((e: unknown) => e);
    expect(other).toMatchObject({
      code: 'INTERNAL',
      status: 502,
      message: 'daemon answered 502: <html>bad gateway</html>',
    });
  });

  it('streams NDJSON objects as they arrive, across chunk boundaries', async () => {
    const got: unknown[] = [];
    for await (const o of client.stream<{ n: number }>('/stream')) got.push(o);
    expect(got).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('says the daemon is unreachable when nothing listens (exit 5)', async () => {
    const err = await new Client(join(dir, 'nobody.sock')).request('/echo').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonUnreachableError);
    expect((err as Error).message).toMatch(/nobody\.sock: the socket does not exist/);
    expect(isConnectionLost(err)).toBe(true);
  });

  it('reports an answer cut short as a lost connection', async () => {
    const err = await client.request('/cut').catch((e: unknown) => e);
    expect(err).toMatchObject({ message: 'aborted', code: 'ECONNRESET' });
    expect(isConnectionLost(err)).toBe(true);
  });

  it('gives up after timeoutMs, and stops when aborted', async () => {
    await expect(client.request('/slow', { timeoutMs: 100 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await expect(client.request('/slow', { signal: ac.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    ac.abort();
    await expect(client.request('/echo', { signal: ac.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});

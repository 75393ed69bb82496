import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { type MetricsListener, parseListenAddress, startMetricsListener } from './listener.js';

const log = createLogger('error', () => undefined);
let l: MetricsListener | undefined;
afterEach(async () => {
  await l?.close();
  l = undefined;
});

function get(port: number, path: string, method = 'GET') {
  return new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics listener', () => {
  it('parses host:port including [::1]', () => {
    expect(parseListenAddress('127.0.0.1:9401')).toEqual({ host: '127.0.0.1', port: 9401 });
    expect(parseListenAddress('[::1]:9401')).toEqual({ host: '::1', port: 9401 });
    expect(() => parseListenAddress('9401')).toThrow(/host:port/);
  });

  it('serves /metrics in the text format, 404 elsewhere, 405 for writes, 500 when rendering fails', async () => {
    let fail = false;
    l = await startMetricsListener(
      '127.0.0.1:0',
      async () => {
        if (fail) throw new Error('boom');
        return '# TYPE x gauge\nx 1\n';
      },
      log,
    );
    const port = l.address.port;
    const ok = await get(port, '/metrics');
    expect(ok).toMatchObject({ status: 200, body: '# TYPE x gauge\nx 1\n' });
    expect(ok.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect((await get(port, '/v1/gpus')).status).toBe(404);
    expect((await get(port, '/metrics', 'POST')).status).toBe(405);
    fail = true;
    expect((await get(port, '/metrics')).status).toBe(500);
  });
});

// The optional loopback listener for Prometheus (settings.metrics, e.g. 127.0.0.1:9401). Plain HTTP,
// GET /metrics only; it never exposes the API. A failing render is a 500, never a crash.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { CONTENT_TYPE } from './registry.js';

export function parseListenAddress(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(addr);
  if (!m) throw new Error(`metrics address must be host:port (got ${addr})`);
  return { host: (m[1] ?? m[2]) as string, port: Number(m[3]) };
}

export interface MetricsListener {
  address: { host: string; port: number };
  close(): Promise<void>;
}

export async function startMetricsListener(
  addr: string,
  render: () => Promise<string>,
  log: Logger,
): Promise<MetricsListener> {
  const { host, port } = parseListenAddress(addr);
  const server = http.createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('ds01 metrics are at /metrics\n');
      return;
    }
    let body: string;
    try {
      body = await render();
    } catch (err) {
      log.error('metrics render failed', { err: String((err as Error)?.stack ?? err) });
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics failed; see the ds01d log\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  log.info('metrics listening', { address: `${bound.address}:${bound.port}` });
  return {
    address: { host: bound.address, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// Request latency and throughput of ds01d on its Unix socket with 50 concurrent clients (keep-alive
// connections, as the CLI and dashboard use), against a private dockerd.
import http from 'node:http';
import { startTestDaemon } from '../harness/daemon.js';
import { startPrivateDockerd } from '../harness/dockerd.js';
import { type BenchResult, percentile, round } from './types.js';

const CLIENTS = 50;
const PER_CLIENT = 200;

function timedGet(agent: http.Agent, socketPath: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.get({ agent, socketPath, path }, (res) => {
      res.resume();
      res.on('end', () => {
        if ((res.statusCode ?? 500) >= 400) reject(new Error(`${path}: ${res.statusCode}`));
        else resolve(Number(process.hrtime.bigint() - t0) / 1e6);
      });
    });
    req.on('error', reject);
  });
}

async function load(socket: string, path: string) {
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      for (let i = 0; i < PER_CLIENT; i++) latencies.push(await timedGet(agent, socket, path));
      agent.destroy();
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { latencies, rps: latencies.length / seconds };
}

export default async function apiBench(): Promise<BenchResult[]> {
  const dockerd = await startPrivateDockerd();
  const d = await startTestDaemon({ dockerHost: dockerd.host });
  try {
    await load(d.socket, '/v1/system/health'); // warm-up
    const out: BenchResult[] = [];
    for (const path of ['/v1/system/whoami', '/v1/containers', '/v1/limits/me']) {
      const { latencies, rps } = await load(d.socket, path);
      const notes = `${CLIENTS} clients x ${PER_CLIENT} requests, keep-alive`;
      out.push({ name: `GET ${path} throughput`, value: round(rps, 0), unit: 'req/s', notes });
      out.push({ name: `GET ${path} p50`, value: round(percentile(latencies, 50)), unit: 'ms', notes });
      out.push({ name: `GET ${path} p99`, value: round(percentile(latencies, 99)), unit: 'ms', notes });
    }
    const rss = Number(
      /VmRSS:\s+(\d+)/.exec(
        await import('node:fs').then((fs) => fs.readFileSync(`/proc/${d.proc.pid}/status`, 'utf8')),
      )?.[1],
    );
    out.push({ name: 'ds01d resident memory after the load', value: round(rss / 1024, 1), unit: 'MiB' });
    return out;
  } finally {
    await d.cleanup();
    await dockerd.stop();
  }
}

// ds01d itself with 300 containers known: time to first answer after a SIGKILL (the bundle against tsc's
// per-file modules, interleaved), resident memory idle, after the 50-client load and its slope over
// 10,000 more requests (linear fit), and heap snapshots saying what holds the memory. The containers are
// real Docker containers, signed like ds01's own and adopted by the daemon (30 running, 270 created and
// never started: a lab's usual mix), so the store's rows are the daemon's own.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Docker from 'dockerode';
import { transform } from 'esbuild';
import { DAEMON_JS, REPO, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { startPrivateDockerd } from '../harness/dockerd.js';
import { ensureBaseImage } from '../harness/images.js';
import { unitEnvironment } from '../harness/unit-env.js';
import { cleanupTestUsers, createTestUser, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';
import { describeHeap, type HeapGroup, takeHeapSnapshot } from './heap-summary.js';
import { type BenchResult, percentile, round } from './types.js';

const CONTAINERS = 300;
const RUNNING = 30;
const USERS = 10;
const KILL_ROUNDS = 7;
// `all=1`: root's own list is empty; an admin's view of everyone's 300 is the heavy answer.
const PATHS = ['/v1/system/whoami', '/v1/containers?all=1', '/v1/limits/me'];

const statusKiB = (pid: number, field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
const rssMiB = (pid: number) => statusKiB(pid, 'VmRSS') / 1024;
/** "anon 60.1 + files 38.0 MiB": the process's own memory vs mapped code (node's binary, shared with others). */
const rssSplit = (pid: number) =>
  `anon ${round(statusKiB(pid, 'RssAnon') / 1024, 1)} + files ${round(statusKiB(pid, 'RssFile') / 1024, 1)} MiB`;

function get(agent: http.Agent | undefined, socketPath: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ agent, socketPath, path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

/** `clients` keep-alive clients, `perClient` requests each, cycling through PATHS. */
async function load(socket: string, clients: number, perClient: number): Promise<void> {
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      for (let i = 0; i < perClient; i++) {
        const status = await get(agent, socket, PATHS[(c + i) % PATHS.length] as string);
        if (status !== 200) throw new Error(`status ${status}`);
      }
      agent.destroy();
    }),
  );
}

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return num / den;
}

/** The harness's daemon arguments, so that the bench can start a chosen build on the same state. */
function spawnDaemon(
  d: TestDaemon,
  dockerHost: string,
  file: string,
  cwd: string,
  env: Record<string, string> = {},
): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--heapsnapshot-signal=SIGUSR2',
      file,
      `--socket=${d.socket}`,
      `--web-socket=${d.webSocket}`,
      `--state-dir=${d.stateDir}`,
      `--policy=${d.policyPath}`,
      `--docker-host=${dockerHost}`,
      `--nvidia-smi=${d.gpu.binPath}`,
      '--log-level=info',
    ],
    {
      cwd,
      stdio: 'ignore',
      env: {
        ...process.env,
        DS01_CONFIG: '',
        DS01_PROC_ROOT: join(d.dir, 'proc'),
        DS01_KERNEL_LOG: join(d.dir, 'kern.log'),
        ...env,
      },
    },
  );
}

/** Spawn → first 200 from the socket, polled every 5 ms; RSS at that moment. */
async function firstAnswer(proc: ChildProcess, socket: string): Promise<{ ms: number; rss: number }> {
  const t0 = performance.now();
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`ds01d exited (${proc.exitCode}) before answering`);
    const ok = await get(undefined, socket, '/v1/system/health').then(
      (s) => s === 200,
      () => false,
    );
    if (ok) return { ms: performance.now() - t0, rss: rssMiB(proc.pid as number) };
    if (performance.now() - t0 > 60_000) throw new Error('ds01d did not answer within 60 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const killed = (p: ChildProcess) =>
  p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', r));

async function makeContainers(docker: Docker, d: TestDaemon, image: string, users: TestUser[]) {
  let next = 0;
  const one = async (i: number) => {
    const u = users[i % users.length] as TestUser;
    const project = `bench${i}`;
    const name = `${project}._.${u.uid}`;
    const labels = { 'ds01.owner.uid': String(u.uid), 'ds01.owner.name': u.name, 'ds01.project': project };
    const c = await docker.createContainer({
      name,
      Image: image,
      Cmd: ['sleep', '1000000'],
      Labels: d.signed(labels, name),
      HostConfig: { Init: true, Memory: 64 * 2 ** 20 },
    });
    if (i < RUNNING) await c.start();
  };
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      while (next < CONTAINERS) await one(next++);
    }),
  );
}

/** RSS idle (after reconcile and the first sweeps), after the 50-client load, and the slope over 10,000 more. */
async function memory(
  proc: ChildProcess,
  socket: string,
  work: string,
  variant: string,
  sampleLoad: () => void,
): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const pid = proc.pid as number;
  await firstAnswer(proc, socket);
  await new Promise((r) => setTimeout(r, 15_000)); // reconcile, first sweeps, GPU probe
  sampleLoad();
  const idle: number[] = [];
  for (let i = 0; i < 5; i++, await new Promise((r) => setTimeout(r, 1000))) idle.push(rssMiB(pid));
  const idleSplit = rssSplit(pid);
  // The daemon was started with --heapsnapshot-signal=SIGUSR2 in `work`, its cwd.
  const snapshot = () => takeHeapSnapshot(pid, work);
  const heapIdle = await snapshot();
  out.push({
    name: `ds01d RSS idle, ${CONTAINERS} containers known, ${variant} (median of 5)`,
    value: round(percentile(idle, 50), 1),
    unit: 'MiB',
    notes: `target < 120 MiB; ${idleSplit}; heap after GC ${round(heapIdle.total / 2 ** 20, 1)} MiB: ${describeHeap(heapIdle.groups)}`,
  });
  sampleLoad();
  // The snapshot's own graph is malloc'd: let the daemon's quiet-loop trim hand it back first, or the
  // "peak" is the snapshot's. Then the kernel's high-water mark, reset (clear_refs 5): the peak while the
  // load runs, not a sample.
  await new Promise((r) => setTimeout(r, 3000));
  const beforeLoad = rssMiB(pid);
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const loadStart = performance.now();
  await load(socket, 50, 200);
  const perSecond = 10_000 / ((performance.now() - loadStart) / 1000);
  const peak = statusKiB(pid, 'VmHWM') / 1024;
  const atEnd = rssMiB(pid);
  // What the load leaves resident once it is over (the daemon trims malloc's arenas when its loop is quiet).
  await new Promise((r) => setTimeout(r, 3000));
  const settled = rssMiB(pid);
  const settledSplit = rssSplit(pid);
  // Warm now (every request path compiled): what the next 10,000 add to the heap after GC is what they keep.
  // The snapshot itself costs resident memory (its graph is built in malloc'd memory): read RSS before it.
  const heapWarm = await snapshot();
  out.push({
    name: `ds01d peak RSS during the 50-client load, ${variant}`,
    value: round(peak, 1),
    unit: 'MiB',
    notes: `target < 160 MiB; VmHWM, reset (clear_refs 5) just before the load; RSS then ${round(beforeLoad, 1)} MiB; the load ran at ${round(perSecond, 0)} requests/s`,
  });
  out.push({
    name: `ds01d RSS after the 50-client load, ${variant}`,
    value: round(settled, 1),
    unit: 'MiB',
    notes: `target < 160 MiB; 3 s after the last answer; ${settledSplit}; at the last answer ${round(atEnd, 1)} MiB, after the heap snapshot that follows ${round(rssMiB(pid), 1)} MiB (where earlier runs read it); 50 clients × 200 requests (${PATHS.join(', ')}; root sees all ${CONTAINERS}), keep-alive`,
  });
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 1; k <= 10; k++) {
    await load(socket, 10, 100);
    xs.push(k);
    ys.push(rssMiB(pid) * 1024);
  }
  sampleLoad();
  const heapAfter = await snapshot();
  out.push({
    name: `ds01d RSS slope over 10,000 more requests, ${variant}`,
    value: round(slope(xs, ys), 0),
    unit: 'KiB per 1k requests',
    notes: `linear fit of RSS after each 1,000 (10 clients); RSS ${round((ys[0] as number) / 1024, 1)} → ${round((ys.at(-1) as number) / 1024, 1)} MiB (V8 and malloc keep freed space for reuse: the heap line is the leak test)`,
  });
  const grew = growth(heapWarm.groups, heapAfter.groups);
  out.push({
    name: `ds01d heap kept (after GC) per 1k requests, ${variant}`,
    value: round((heapAfter.total - heapWarm.total) / 1024 / 10, 1),
    unit: 'KiB per 1k requests',
    notes: `heap after GC: idle ${round(heapIdle.total / 2 ** 20, 2)}, warm (after the load) ${round(heapWarm.total / 2 ** 20, 2)}, after 10,000 more ${round(heapAfter.total / 2 ** 20, 2)} MiB; grew most: ${grew || 'nothing'}`,
  });
  return out;
}

/** The groups that grew most between two snapshots, "string +12.0 KiB, …". */
function growth(before: HeapGroup[], after: HeapGroup[]): string {
  const was = new Map(before.map((g) => [g.what, g.bytes]));
  return after
    .map((g) => ({ what: g.what, by: g.bytes - (was.get(g.what) ?? 0) }))
    .filter((g) => g.by > 0)
    .sort((a, b) => b.by - a.by)
    .slice(0, 4)
    .map((g) => `${g.what} +${round(g.by / 1024, 1)} KiB`)
    .join(', ');
}

export default async function daemonBench(): Promise<BenchResult[]> {
  const dockerd = await startPrivateDockerd();
  const docker = new Docker({ socketPath: dockerd.socketPath });
  const work = mkdtempSync(join(tmpdir(), 'ds01-bench-daemon-'));
  // tsc's per-file modules with main.ts as tsc emits it: the layout before the bundle, for comparison.
  const perFile = join(REPO, 'dist/daemon/main.per-file.bench.js');
  const src = readFileSync(join(REPO, 'daemon/main.ts'), 'utf8');
  writeFileSync(perFile, (await transform(src, { loader: 'ts', format: 'esm', target: 'node20' })).code);
  const d = await startTestDaemon({
    dockerHost: dockerd.host,
    // Nothing may be stopped or removed by the lifecycle while the bench runs.
    policyEdits: {
      'defaults.max_containers_per_user': 100,
      'defaults.idle_timeout': '10h',
      'defaults.max_runtime': '100h',
      'defaults.container_hold_after_stop': '100h',
      'policies.never_started_timeout': '100h',
    },
  });
  let proc: ChildProcess | undefined;
  const out: BenchResult[] = [];
  const loads: number[] = [];
  const sampleLoad = () => loads.push(loadavg()[0] ?? 0);
  try {
    const image = await ensureBaseImage(docker);
    const users = await Promise.all(Array.from({ length: USERS }, () => createTestUser()));
    const t0 = performance.now();
    await makeContainers(docker, d, image, users);
    const live = () => {
      const db = new Database(d.dbPath, { readonly: true, fileMustExist: true });
      try {
        return (
          db.prepare('SELECT count(*) AS n FROM containers WHERE removed_at IS NULL').get() as { n: number }
        ).n;
      } finally {
        db.close();
      }
    };
    const known = await until(
      async () => live(),
      (n) => n >= CONTAINERS,
      120_000,
      500,
    );
    if (known < CONTAINERS) throw new Error(`only ${known} of ${CONTAINERS} containers adopted`);
    const setup = `${CONTAINERS} containers known (${RUNNING} running), adopted in ${round((performance.now() - t0) / 1000, 1)} s`;

    const unitEnv = unitEnvironment();
    // Start-up: SIGKILL, then each build in turn on the same state.
    // DS01_BENCH_BASELINE_DAEMON=<other checkout>/dist/daemon/main.js adds another build (e.g. main's).
    const baseline = process.env.DS01_BENCH_BASELINE_DAEMON;
    const variants: [string, string][] = [
      ['per-file', perFile],
      ['bundle', DAEMON_JS],
      ...(baseline ? [['baseline build', baseline] as [string, string]] : []),
    ];
    const firsts = new Map(variants.map(([v]) => [v, { ms: [] as number[], rss: [] as number[] }]));
    await d.kill9();
    for (let r = 0; r < KILL_ROUNDS; r++)
      for (const [variant, file] of variants) {
        sampleLoad();
        proc = spawnDaemon(d, dockerd.host, file, work, unitEnv);
        const f = await firstAnswer(proc, d.socket);
        firsts.get(variant)?.ms.push(f.ms);
        firsts.get(variant)?.rss.push(f.rss);
        proc.kill('SIGKILL');
        await killed(proc);
      }
    for (const [variant, f] of firsts) {
      out.push({
        name: `time to first answer after SIGKILL, ${variant} (median)`,
        value: round(percentile(f.ms, 50), 0),
        unit: 'ms',
        notes: `max ${round(Math.max(...f.ms), 0)} ms; RSS then ${round(percentile(f.rss, 50), 1)} MiB; ${KILL_ROUNDS} interleaved rounds, ${setup}`,
      });
    }

    // Memory: the bundle, idle with 300 known, then under load; as the unit runs it, then plain node.
    // With a baseline build, its memory as the unit runs it too, right after this build's.
    for (const [variant, env, file] of [
      ['as ds01d.service runs it', unitEnv, DAEMON_JS],
      ...(baseline ? [['baseline build, as ds01d.service runs it', unitEnv, baseline] as const] : []),
      ['plain node (no unit Environment=)', {}, DAEMON_JS],
    ] as const) {
      proc = spawnDaemon(d, dockerd.host, file, work, env);
      out.push(...(await memory(proc, d.socket, work, variant, sampleLoad)));
      proc.kill('SIGKILL');
      await killed(proc);
    }
    out.push({
      name: 'load average during the run',
      value: round(Math.max(...loads), 1),
      unit: 'max',
      notes: `min ${round(Math.min(...loads), 1)}; machine shared`,
    });
    return out;
  } finally {
    if (proc) {
      proc.kill('SIGKILL');
      await killed(proc);
    }
    rmSync(perFile, { force: true });
    await d.cleanup();
    await cleanupTestUsers();
    await dockerd.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

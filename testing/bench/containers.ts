// `container-deploy --background` against `docker run -d` with the same image, user, limits and hardening
// on the same private dockerd (wall time of the whole command, median of N, interleaved), split at Docker's
// own create and start events to show where the time goes. Both sides are a fresh CLI process each time, as
// a user would run them. Command start-up (list, gpu list, …) against `node -e 0` is in startup.ts.
import { loadavg } from 'node:os';
import Docker from 'dockerode';
import { startTestDaemon } from '../harness/daemon.js';
import { startPrivateDockerd } from '../harness/dockerd.js';
import { execFileResult } from '../harness/exec.js';
import { ensureBaseImage } from '../harness/images.js';
import { type BenchResult, percentile, round } from './types.js';

const N = 10;
const KEEPALIVE = 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done';

async function timed(fn: () => Promise<{ code: number; stderr: string }>): Promise<number> {
  const t0 = performance.now();
  const r = await fn();
  const ms = performance.now() - t0;
  if (r.code !== 0) throw new Error(`command failed (${r.code}): ${r.stderr.slice(0, 500)}`);
  return ms;
}

/** Docker's own create and start times (ms since the epoch) per container name, from its event stream. */
export async function dockerEventTimes(docker: Docker): Promise<{
  at: Map<string, { create?: number; start?: number }>;
  /** Archive puts (extract-to-dir) per container name. */
  puts: Map<string, number>;
  stop: () => void;
}> {
  const at = new Map<string, { create?: number; start?: number }>();
  const puts = new Map<string, number>();
  const stream = (await docker.getEvents({
    filters: { type: ['container'], event: ['create', 'start', 'extract-to-dir'] },
  })) as NodeJS.ReadableStream & { destroy(): void };
  let buf = '';
  stream.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const e = JSON.parse(buf.slice(0, nl)) as {
        Action: string;
        timeNano: number;
        Actor: { Attributes: { name: string } };
      };
      buf = buf.slice(nl + 1);
      const name = e.Actor.Attributes.name;
      if (e.Action === 'extract-to-dir') {
        puts.set(name, (puts.get(name) ?? 0) + 1);
        continue;
      }
      const t = at.get(name) ?? {};
      if (e.Action === 'create' || e.Action === 'start') t[e.Action] = e.timeNano / 1e6;
      at.set(name, t);
    }
  });
  return { at, puts, stop: () => stream.destroy() };
}

/** A command's wall time split at Docker's create and start events (epoch ms on both sides). */
interface Phases {
  total: number;
  toCreate: number;
  createToStart: number;
  startToExit: number;
}

async function phased(
  events: Map<string, { create?: number; start?: number }>,
  dockerName: string,
  fn: () => Promise<{ code: number; stderr: string }>,
): Promise<Phases> {
  const t0 = Date.now();
  const r = await fn();
  const t1 = Date.now();
  if (r.code !== 0) throw new Error(`command failed (${r.code}): ${r.stderr.slice(0, 500)}`);
  // The event can arrive just after the command returns.
  for (let i = 0; i < 50 && events.get(dockerName)?.start === undefined; i++)
    await new Promise((res) => setTimeout(res, 20));
  const e = events.get(dockerName);
  if (e?.create === undefined || e.start === undefined) throw new Error(`no Docker events for ${dockerName}`);
  return {
    total: t1 - t0,
    toCreate: e.create - t0,
    createToStart: e.start - e.create,
    startToExit: t1 - e.start,
  };
}

const med = (xs: number[]) => round(percentile(xs, 50), 1);

export default async function containersBench(): Promise<BenchResult[]> {
  const dockerd = await startPrivateDockerd();
  // In a mount namespace of its own, as under ds01d.service: the workspace helper runs through nsenter
  // in dockerd's namespace, as in production.
  const d = await startTestDaemon({ dockerHost: dockerd.host, scenario: 'none', ownMountNamespace: true });
  // DS01_BENCH_BASELINE_DAEMON=<other checkout>/dist/daemon/main.js: that build's ds01d too, same CLI,
  // interleaved (e.g. main before a change), so a before/after is measured under the same load.
  const baselineJs = process.env.DS01_BENCH_BASELINE_DAEMON;
  const base = baselineJs
    ? await startTestDaemon({
        dockerHost: dockerd.host,
        scenario: 'none',
        ownMountNamespace: true,
        daemonJs: baselineJs,
      })
    : null;
  const docker = new Docker({ socketPath: dockerd.socketPath });
  const env = { ...process.env, DOCKER_HOST: dockerd.host };
  const dockerCli = (args: string[]) => execFileResult('docker', args, { env, timeout: 60_000 });
  const events = await dockerEventTimes(docker);
  const load = loadavg()[0] ?? 0;
  try {
    const image = await ensureBaseImage(docker);
    const deploy: Phases[] = [];
    const run: Phases[] = [];
    const baseline: Phases[] = [];
    const start: number[] = [];
    const dockerStart: number[] = [];
    for (let i = 0; i < N; i++) {
      // Interleaved, so a burst of load from other work on the machine hits both sides alike.
      start.push(await timed(() => d.cli(['--version'])));
      dockerStart.push(await timed(() => dockerCli(['--version'])));
      deploy.push(
        await phased(events.at, `b${i}._.0`, () =>
          d.cli(['container-deploy', `b${i}`, '--image', image, '--cpu-only', '--background']),
        ),
      );
      // The same container by hand: root's workspace, the test policy's limits, the same hardening.
      run.push(
        await phased(events.at, `r${i}`, () =>
          dockerCli([
            'run',
            '-d',
            '--name',
            `r${i}`,
            '--user',
            '0:0',
            '--init',
            '--cpus',
            '1',
            '--memory',
            '256m',
            '--memory-swap',
            '256m',
            '--shm-size',
            '64m',
            '--pids-limit',
            '256',
            '--cap-drop',
            'ALL',
            '--security-opt',
            'no-new-privileges:true',
            '-e',
            'NVIDIA_VISIBLE_DEVICES=void',
            '-v',
            `/root/workspace/b${i}:/workspace:rw`,
            '-w',
            '/workspace',
            image,
            '/bin/sh',
            '-c',
            KEEPALIVE,
          ]),
        ),
      );
      if (base)
        baseline.push(
          await phased(events.at, `a${i}._.0`, () =>
            d.cli(['container-deploy', `a${i}`, '--image', image, '--cpu-only', '--background'], undefined, {
              env: { DS01_SOCKET: base.socket },
            }),
          ),
        );
      if (i < N - 1) {
        // Keep under max_containers_per_user; not timed.
        if (base)
          await d.cli(['container-retire', `a${i}`, '--yes', '--force'], undefined, {
            env: { DS01_SOCKET: base.socket },
          });
        await d.cli(['container-retire', `b${i}`, '--yes', '--force']);
        await dockerCli(['rm', '-f', `r${i}`]);
      }
    }
    const dep = (k: keyof Phases) => med(deploy.map((p) => p[k]));
    const dr = (k: keyof Phases) => med(run.map((p) => p[k]));
    const cliStart = med(start);
    const bl = (k: keyof Phases) => med(baseline.map((p) => p[k]));
    const baselineRows: BenchResult[] = base
      ? [
          {
            name: 'baseline build: container-deploy --background (median)',
            value: bl('total'),
            unit: 'ms',
            notes: `${baselineJs}; interleaved with the two above; create → start ${bl('createToStart')} ms, start → exit ${bl('startToExit')} ms`,
          },
          {
            name: 'baseline build / docker run',
            value: round(bl('total') / dr('total'), 2),
            unit: 'ratio',
            notes: 'the same docker run runs',
          },
        ]
      : [];
    const puts = [...Array(N).keys()].filter((i) => (events.puts.get(`b${i}._.0`) ?? 0) > 0).length;
    return [
      {
        name: 'container-deploy --background (median)',
        value: dep('total'),
        unit: 'ms',
        notes: `N=${N}, CPU-only, busybox; load average ${round(load, 1)} at the start (machine shared)`,
      },
      {
        name: 'docker run -d, same limits (median)',
        value: dr('total'),
        unit: 'ms',
        notes: `N=${N}, interleaved`,
      },
      {
        name: 'deploy / docker run',
        value: round(dep('total') / dr('total'), 2),
        unit: 'ratio',
        notes: 'target ≤ 1.2; includes workspace checks, passwd setup, audit, start',
      },
      {
        name: 'deploy: CLI start (ds01 --version, median)',
        value: cliStart,
        unit: 'ms',
        notes: `where the time goes, medians of each phase (they need not add up to the total’s median); docker --version (Go): ${med(dockerStart)} ms`,
      },
      {
        name: 'deploy: CLI start → Docker create event',
        value: round(dep('toCreate') - cliStart, 1),
        unit: 'ms',
        notes: 'request, image and workspace checks, claim, reserve, spec, Docker create',
      },
      {
        name: 'deploy: Docker create → start event',
        value: dep('createToStart'),
        unit: 'ms',
        notes: 'record, passwd/group/home, workspace bind, Docker start',
      },
      {
        name: 'deploys that needed an archive put for passwd/group/home',
        value: puts,
        unit: `of ${N}`,
        notes: 'overlay2: written into the fresh upper layer by the workspace helper instead',
      },
      {
        name: 'deploy: Docker start → command returns',
        value: dep('startToExit'),
        unit: 'ms',
        notes: 'state check, audit, the answer, CLI exit',
      },
      {
        name: 'docker run: start → create / create → start / start → exit',
        value: dr('toCreate'),
        unit: 'ms',
        notes: `then ${dr('createToStart')} ms and ${dr('startToExit')} ms`,
      },
      ...baselineRows,
    ];
  } finally {
    events.stop();
    await base?.cleanup();
    await d.cleanup();
    await dockerd.stop();
  }
}

// Command start-up against Node's own (`node -e 0`, the floor for any command written in TypeScript) and
// the docker CLI, side by side in one run: each round runs every command once, in the same order, so load
// from other work on the machine hits them alike; medians over the rounds. Run as root against a private
// dockerd and a test daemon; one running container for container-stats.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import Docker from 'dockerode';
import { CLI_JS, startTestDaemon } from '../harness/daemon.js';
import { startPrivateDockerd } from '../harness/dockerd.js';
import { execFileResult } from '../harness/exec.js';
import { ensureBaseImage } from '../harness/images.js';
import { type BenchResult, percentile, round } from './types.js';

const ROUNDS = 41;

/**
 * The floor for a command that asks the daemon one thing: Node's start-up plus one request on a raw
 * socket (what container-list would cost with nothing of its own: no bundle, no parsing, no rendering).
 */
const BARE_REQUEST = `const s = require('node:net').connect(process.env.DS01_SOCKET);
s.on('connect', () => s.write('GET /v1/containers HTTP/1.1\\r\\nHost: ds01\\r\\nConnection: close\\r\\n\\r\\n'));
s.on('data', () => {});
s.on('error', (e) => { console.error(e); process.exit(1); });`;

/**
 * The floor for a command that shows its answer: the same request, its answer written to stdout (a pipe
 * here, a pty over SSH). Node loads its stream machinery for stdout on the first write, which `node -e 0`
 * never pays for.
 */
const BARE_REQUEST_PRINTED = BARE_REQUEST.replace(
  "s.on('data', () => {});",
  "s.on('data', (b) => process.stdout.write(b));",
);

/**
 * CPU time (user + system, ms) of this process's children that have exited and been waited for, from
 * /proc/self/stat (cutime, cstime; clock ticks of 10 ms, so only a mean over many runs means much). On a
 * machine shared with other work, a command's CPU time moves far less with the load than its wall time.
 */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10; // fields 16 and 17; USER_HZ is 100 on Linux
}

async function wall(run: () => Promise<{ code: number; stderr: string }>): Promise<number> {
  const t0 = performance.now();
  const r = await run();
  const ms = performance.now() - t0;
  if (r.code !== 0) throw new Error(`command failed (${r.code}): ${r.stderr.slice(0, 500)}`);
  return ms;
}

export default async function startupBench(): Promise<BenchResult[]> {
  const dockerd = await startPrivateDockerd();
  const d = await startTestDaemon({
    dockerHost: dockerd.host,
    scenario: 'a100-mig-mixed',
    // The test policy stops an idle container within a minute; the rounds take longer than that.
    policyEdits: {
      'defaults.idle_timeout': '10h',
      'defaults.max_runtime': '100h',
      'defaults.container_hold_after_stop': '100h',
    },
  });
  const docker = new Docker({ socketPath: dockerd.socketPath });
  const env = { ...process.env, DOCKER_HOST: dockerd.host };
  try {
    const image = await ensureBaseImage(docker);
    const dep = await d.cli(['container-deploy', 'ticker', '--image', image, '--cpu-only', '--background']);
    if (dep.code !== 0) throw new Error(`deploy failed: ${dep.stderr}`);
    const node = (args: string[]) => execFileResult(process.execPath, args, { env, timeout: 60_000 });
    const commands: [string, () => Promise<{ code: number; stderr: string }>][] = [
      ['node -e 0', () => node(['-e', '0'])],
      ['ds01 --version', () => node([CLI_JS, '--version'])],
      [
        'bare socket request from node (floor)',
        () =>
          execFileResult(process.execPath, ['-e', BARE_REQUEST], { env: { ...env, DS01_SOCKET: d.socket } }),
      ],
      [
        'bare socket request from node, answer printed (floor)',
        () =>
          execFileResult(process.execPath, ['-e', BARE_REQUEST_PRINTED], {
            env: { ...env, DS01_SOCKET: d.socket },
          }),
      ],
      ['container-list', () => d.cli(['container-list'])],
      // The same answer through commander and the container part (an alias is not a leaf, leaves.ts)
      ['container ls (through the command tree)', () => d.cli(['container', 'ls'])],
      ['ds01 gpu list', () => d.cli(['gpu', 'list'])],
      ['check-limits', () => d.cli(['check-limits'])],
      ['container-stats NAME (one shot)', () => d.cli(['container-stats', 'ticker'])],
      ['docker ps -a', () => execFileResult('docker', ['ps', '-a'], { env, timeout: 60_000 })],
      [
        'docker stats --no-stream NAME',
        () => execFileResult('docker', ['stats', '--no-stream', 'ticker._.0'], { env, timeout: 60_000 }),
      ],
    ];
    const times = new Map<string, number[]>(commands.map(([n]) => [n, []]));
    const cpu = new Map<string, number>(commands.map(([n]) => [n, 0]));
    const loads: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      loads.push(loadavg()[0] ?? 0);
      for (const [name, run] of commands) {
        const c0 = childrenCpuMs();
        times.get(name)?.push(await wall(run));
        cpu.set(name, (cpu.get(name) ?? 0) + childrenCpuMs() - c0);
      }
    }
    const cpuMean = (name: string) => round((cpu.get(name) ?? 0) / ROUNDS, 1);
    const cpuNote = (name: string) =>
      `; CPU ${cpuMean(name)} ms a run (${round(cpuMean(name) / cpuMean('node -e 0'), 2)}× node -e 0's)`;
    const med = (name: string) => round(percentile(times.get(name) ?? [], 50), 1);
    const floor = med('node -e 0');
    const load = `load average ${round(Math.min(...loads), 1)}–${round(Math.max(...loads), 1)} during the run (machine shared)`;
    const out: BenchResult[] = [
      {
        name: 'node -e 0 (median)',
        value: floor,
        unit: 'ms',
        notes: `${ROUNDS} interleaved rounds; ${load}; CPU ${cpuMean('node -e 0')} ms a run (mean)`,
      },
    ];
    for (const [name] of commands.slice(1)) {
      const docker = name.startsWith('docker');
      const floorRow = name.includes('(floor)');
      out.push({
        name: `${name} (median)`,
        value: med(name),
        unit: 'ms',
        notes: docker
          ? cpuNote(name).slice(2)
          : floorRow
            ? `${round(med(name) / floor, 2)}× node -e 0: what ${name.includes('printed') ? 'one request and printing its answer add' : 'one request adds'} to Node's start-up${cpuNote(name)}`
            : `${round(med(name) / floor, 2)}× node -e 0 (target ${name === 'ds01 --version' ? `≤ +25 ms: +${round(med(name) - floor, 1)} ms` : '≤ 1.3×'})${cpuNote(name)}`,
      });
    }
    out.push({
      name: 'container-list / docker ps -a',
      value: round(med('container-list') / med('docker ps -a'), 2),
      unit: 'ratio',
    });
    return out;
  } finally {
    await d.cleanup();
    await dockerd.stop();
  }
}

// `container-deploy --background` against `docker run -d` with the same image, user, limits and hardening
// on the same private dockerd (wall time of the whole command, median of N), and `container-list` against
// `docker ps`. Both sides are a fresh CLI process each time, as a user would run them.
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

export default async function containersBench(): Promise<BenchResult[]> {
  const dockerd = await startPrivateDockerd();
  const d = await startTestDaemon({ dockerHost: dockerd.host, scenario: 'none' });
  const docker = new Docker({ socketPath: dockerd.socketPath });
  const env = { ...process.env, DOCKER_HOST: dockerd.host };
  const dockerCli = (args: string[]) => execFileResult('docker', args, { env, timeout: 60_000 });
  try {
    const image = await ensureBaseImage(docker);
    const deploy: number[] = [];
    const run: number[] = [];
    for (let i = 0; i < N; i++) {
      deploy.push(
        await timed(() =>
          d.cli(['container-deploy', `b${i}`, '--image', image, '--cpu-only', '--background']),
        ),
      );
      // The same container by hand: root's workspace, the test policy's limits, the same hardening.
      run.push(
        await timed(() =>
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
      if (i < N - 1) {
        // Keep under max_containers_per_user; not timed.
        await d.cli(['container-retire', `b${i}`, '--yes', '--force']);
        await dockerCli(['rm', '-f', `r${i}`]);
      }
    }
    const list: number[] = [];
    const ps: number[] = [];
    for (let i = 0; i < 2 * N; i++) {
      list.push(await timed(() => d.cli(['container-list'])));
      ps.push(await timed(() => dockerCli(['ps', '-a'])));
    }
    // What any Node CLI pays before its first request: most of the list/ps gap.
    const start: number[] = [];
    for (let i = 0; i < N; i++) start.push(await timed(() => d.cli(['--version'])));
    const med = (xs: number[]) => round(percentile(xs, 50), 1);
    return [
      {
        name: 'container-deploy --background (median)',
        value: med(deploy),
        unit: 'ms',
        notes: `N=${N}, CPU-only, busybox`,
      },
      { name: 'docker run -d, same limits (median)', value: med(run), unit: 'ms', notes: `N=${N}` },
      {
        name: 'deploy / docker run',
        value: round(med(deploy) / med(run), 2),
        unit: 'ratio',
        notes: 'includes workspace checks, passwd setup, audit, start',
      },
      { name: 'container-list (median)', value: med(list), unit: 'ms', notes: `N=${2 * N}` },
      { name: 'docker ps -a (median)', value: med(ps), unit: 'ms', notes: `N=${2 * N}` },
      { name: 'container-list / docker ps', value: round(med(list) / med(ps), 2), unit: 'ratio' },
      {
        name: 'ds01 --version (CLI process start, median)',
        value: med(start),
        unit: 'ms',
        notes: 'Node start + module load',
      },
    ];
  } finally {
    await d.cleanup();
    await dockerd.stop();
  }
}

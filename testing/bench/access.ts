// SSH into a container through ds01 (`ssh NAME.ds01 …` with the generated config, ProxyCommand
// `ds01 ssh-proxy` run locally as the user) against `container-open NAME -- …` and `docker exec`, all on
// the same private dockerd and container: wall time of `true`, and time to the first byte of `echo`.
// Each is a fresh process, as a user would type it; median and p90 of N.
import { spawn } from 'node:child_process';
import Docker from 'dockerode';
import { CLI_JS, editPolicy, startTestDaemon } from '../harness/daemon.js';
import { startPrivateDockerd } from '../harness/dockerd.js';
import { ensureBaseImage } from '../harness/images.js';
import { sshKit } from '../harness/ssh.js';
import { cleanupTestUsers, createTestUser, type TestUser } from '../harness/users.js';
import { type BenchResult, percentile, round } from './types.js';

const N = 15;

/** Run as `user`; resolves with ms to the first stdout byte and ms to exit. */
function measure(user: TestUser, env: Record<string, string>, file: string, args: string[]) {
  return new Promise<{ first: number; total: number }>((resolve, reject) => {
    const t0 = performance.now();
    let first = Number.NaN;
    const child = spawn(
      'setpriv',
      [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', file, ...args],
      {
        env: { ...env, USER: user.name, LOGNAME: user.name },
        cwd: user.home,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stdout.once('data', () => {
      first = performance.now() - t0;
    });
    child.stdout.resume();
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('exit', (code) => {
      const total = performance.now() - t0;
      if (code !== 0) reject(new Error(`${file} ${args.join(' ')} exited ${code}: ${err.slice(0, 400)}`));
      else resolve({ first, total });
    });
  });
}

export default async function accessBench(): Promise<BenchResult[]> {
  const dockerd = await startPrivateDockerd();
  const d = await startTestDaemon({ dockerHost: dockerd.host, scenario: 'none' });
  const kit = sshKit(d);
  try {
    const docker = new Docker({ socketPath: dockerd.socketPath });
    const image = await ensureBaseImage(docker);
    // The fast test policy would stop the container as idle in the middle of the run.
    editPolicy(d.policyPath, { 'defaults.idle_timeout': '1h', 'defaults.max_runtime': '2h' });
    await d.cli(['config', 'reload']);
    const user = await createTestUser();
    const r = await d.cli(
      ['container-deploy', 'bench', '--image', image, '--cpu-only', '--background'],
      user,
    );
    if (r.code !== 0) throw new Error(`deploy failed: ${r.stderr}`);
    const cfg = await kit.writeConfig(user, ['bench']);
    const env = kit.env(user);
    const id = (await d.request('GET', '/v1/containers?all=1')).body.find(
      (c: { name: string }) => c.name === 'bench',
    ).id;
    // docker exec as root would be unfair to nobody: the user has no Docker access, so root runs it.
    const root: TestUser = { name: 'root', uid: 0, gid: 0, home: '/root' };
    const rootEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/root', DOCKER_HOST: dockerd.host };
    const ways: { name: string; run: (cmd: string[]) => Promise<{ first: number; total: number }> }[] = [
      {
        name: 'ssh NAME.ds01',
        run: (cmd) => measure(user, env, 'ssh', ['-F', cfg, '-o', 'BatchMode=yes', 'bench.ds01', ...cmd]),
      },
      {
        name: 'container-open NAME --',
        run: (cmd) => measure(user, env, process.execPath, [CLI_JS, 'container-open', 'bench', '--', ...cmd]),
      },
      { name: 'docker exec', run: (cmd) => measure(root, rootEnv, 'docker', ['exec', id, ...cmd]) },
    ];
    const out: BenchResult[] = [];
    const medians: Record<string, number> = {};
    for (const w of ways) {
      await w.run(['true']); // warm-up (known_hosts, caches)
      const totals: number[] = [];
      const firsts: number[] = [];
      for (let i = 0; i < N; i++) {
        totals.push((await w.run(['true'])).total);
        firsts.push((await w.run(['echo', 'hi'])).first);
      }
      medians[w.name] = percentile(firsts, 50);
      out.push(
        {
          name: `${w.name} true: wall, median`,
          value: round(percentile(totals, 50), 0),
          unit: 'ms',
          notes: `p90 ${round(percentile(totals, 90), 0)} ms, N=${N}`,
        },
        {
          name: `${w.name} echo: first byte, median`,
          value: round(percentile(firsts, 50), 0),
          unit: 'ms',
          notes: `p90 ${round(percentile(firsts, 90), 0)} ms`,
        },
      );
    }
    const base = medians['docker exec'] as number;
    out.push({
      name: 'ssh first byte ÷ docker exec first byte',
      value: round((medians['ssh NAME.ds01'] as number) / base, 2),
      unit: '×',
      notes: 'target < 2×',
    });
    return out;
  } finally {
    kit.cleanup();
    await d.cleanup();
    await cleanupTestUsers();
    await dockerd.stop();
  }
}

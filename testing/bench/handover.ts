// End to end: `container-retire` of a GPU holder → the queued deploy's container running. One GPU slot;
// alice holds it, bob's deploy waits with --queue; the time runs from the retire command's return to
// Docker's start event for bob's container (and from the retire's launch, for scale). Real users, the
// built CLI and daemon, a private dockerd.
import { loadavg } from 'node:os';
import Docker from 'dockerode';
import { startTestDaemon } from '../harness/daemon.js';
import { startPrivateDockerd } from '../harness/dockerd.js';
import { oneSlotScenario } from '../harness/fake-gpu.js';
import { ensureBaseImage } from '../harness/images.js';
import { cleanupTestUsers, createTestUser } from '../harness/users.js';
import { dockerEventTimes } from './containers.js';
import { type BenchResult, percentile, round } from './types.js';

const ROUNDS = 7;

export default async function handoverBench(): Promise<BenchResult[]> {
  const dockerd = await startPrivateDockerd();
  const d = await startTestDaemon({ dockerHost: dockerd.host, scenario: oneSlotScenario() });
  const docker = new Docker({ socketPath: dockerd.socketPath });
  const events = await dockerEventTimes(docker);
  const load = loadavg()[0] ?? 0;
  try {
    const image = await ensureBaseImage(docker);
    const alice = await createTestUser();
    const bob = await createTestUser();
    const ok = async (p: Promise<{ code: number; stdout: string; stderr: string }>, what: string) => {
      const r = await p;
      if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}${d.logs().slice(-2000)}`);
      return r;
    };
    const fromReturn: number[] = [];
    const fromLaunch: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await ok(
        d.cli(['container-deploy', `h${i}`, '--image', image, '--gpus', '1', '--background'], alice),
        'holder deploy',
      );
      const q = await ok(
        d.cli(
          ['container-deploy', `w${i}`, '--image', image, '--gpus', '1', '--queue', '--background', '--json'],
          bob,
        ),
        'queued deploy',
      );
      if (JSON.parse(q.stdout).status !== 'queued') throw new Error(`expected a queued deploy: ${q.stdout}`);
      const launched = Date.now();
      await ok(d.cli(['container-retire', `h${i}`, '--yes', '--force'], alice), 'retire');
      const returned = Date.now();
      const name = `w${i}._.${bob.uid}`;
      for (let t = 0; t < 500 && events.at.get(name)?.start === undefined; t++)
        await new Promise((r) => setTimeout(r, 20));
      const started = events.at.get(name)?.start;
      if (started === undefined)
        throw new Error(`bob's queued container never started\n${d.logs().slice(-3000)}`);
      fromReturn.push(started - returned);
      fromLaunch.push(started - launched);
      await ok(d.cli(['container-retire', `w${i}`, '--yes', '--force'], bob), 'cleanup retire');
    }
    const med = (xs: number[]) => round(percentile(xs, 50), 1);
    return [
      {
        name: 'retire returns → queued container running (median)',
        value: med(fromReturn),
        unit: 'ms',
        notes: `${ROUNDS} rounds, one slot, Docker's start event; target < 1000; load average ${round(load, 1)} (machine shared)`,
      },
      {
        name: 'retire returns → queued container running (max)',
        value: round(Math.max(...fromReturn), 1),
        unit: 'ms',
      },
      {
        name: 'retire launched → queued container running (median)',
        value: med(fromLaunch),
        unit: 'ms',
        notes: 'includes the retire command itself',
      },
    ];
  } finally {
    events.stop();
    await d.cleanup();
    await cleanupTestUsers();
    await dockerd.stop();
  }
}

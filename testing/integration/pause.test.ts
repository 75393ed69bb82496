// container-pause / container-unpause on the real dockerd (issue 21): the processes are frozen (Docker
// says Paused), the GPU slot stays the owner's, the lifecycle does not count the pause as idleness but
// stops the container once it has been paused for max_pause, saying why. Only the owner pauses.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { editPolicy, startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { cleanupTestUsers, isRoot, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
const image = inject('baseImage');
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;
const json = (s: string) => JSON.parse(s);

describe.skipIf(!isRoot())('container pause and unpause', () => {
  beforeAll(async () => {
    ({ d, alice, bob } = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      // A short idle timeout: a paused container (quiet by construction) must outlive it.
      policyEdits: {
        'defaults.idle_timeout': '8s',
        'defaults.max_runtime': '3h',
        'policies.max_pause': '1h',
      },
    }));
  });
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('keeps the GPU while paused, is not stopped as idle, and runs again on unpause', async () => {
    const dep = await d.cli(
      ['container-deploy', 'brk', '--image', image, '--mig', '1g.10gb', '--background', '--json'],
      alice,
    );
    expect(dep.code, dep.stderr).toBe(0);
    const { id, gpuSlots } = json(dep.stdout).container;
    const slot = gpuSlots[0].uuid as string;

    const p = await d.cli(['container-pause', 'brk', '--json'], alice);
    expect(p.code, p.stderr).toBe(0);
    const paused = json(p.stdout);
    expect(paused).toMatchObject({ unchanged: false, container: { state: 'paused' } });
    expect(paused.container.gpuSlots).toMatchObject([{ uuid: slot, state: 'active' }]);
    expect(Date.parse(paused.stopsAt) - Date.now()).toBeGreaterThan(50 * 60_000);
    expect((await docker.getContainer(id).inspect()).State.Paused).toBe(true);

    // Others cannot pause or unpause it; a start says to unpause; pausing twice changes nothing.
    const other = await d.cli(['container-unpause', `brk._.${alice.uid}`], bob);
    expect(other.code).not.toBe(0);
    const start = await d.cli(['container-start', 'brk'], alice);
    expect(start.code).not.toBe(0);
    expect(start.stderr).toContain('container-unpause brk');
    expect(json((await d.cli(['container-pause', 'brk', '--json'], alice)).stdout).unchanged).toBe(true);

    // Well past the 8 s idle timeout (sweeps every 2 s), it is still paused: the pause is not idleness.
    const pausedAt = Date.now();
    const why = await until(
      async () => json((await d.cli(['container-why', 'brk', '--json'], alice)).stdout),
      (w) => Date.now() - pausedAt > 25_000 || w.state !== 'paused',
      60_000,
      2000,
    );
    expect(why, JSON.stringify(why)).toMatchObject({ state: 'paused', deadline: { kind: 'pause' } });
    expect(why.text.join(' ')).toMatch(/not stopped for idleness/);
    // The lifecycle's own sweep (as ds01d would run it) decides nothing for it.
    const sweep = await until(
      () => d.cli(['admin', 'sweep', '--dry-run', '--all', '--json']),
      (r) => r.code === 0,
    );
    const entry = json(sweep.stdout).containers.find((e: { id: string }) => e.id === id);
    expect(entry, sweep.stdout).toMatchObject({ action: 'none', deadline: { kind: 'pause' } });

    const u = await d.cli(['container-unpause', 'brk', '--json'], alice);
    expect(u.code, u.stderr).toBe(0);
    expect(json(u.stdout)).toMatchObject({ unchanged: false, container: { state: 'running' } });
    expect(json(u.stdout).container.gpuSlots).toMatchObject([{ uuid: slot, state: 'active' }]);
    expect((await docker.getContainer(id).inspect()).State.Running).toBe(true);
    expect((await docker.getContainer(id).inspect()).State.Paused).toBe(false);

    const events = json((await d.cli(['events', '--container', 'brk', '--json'], alice)).stdout);
    const kinds = events.map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['container.paused', 'container.unpaused']));
  });

  it('a container paused past max_pause is stopped by the lifecycle, with the reason', async () => {
    editPolicy(d.policyPath, { 'policies.max_pause': '3s' });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
    expect((await d.cli(['container-pause', 'brk'], alice)).code).toBe(0);
    const list = await until(
      async () => json((await d.cli(['container-list', '--json'], alice)).stdout),
      (l) => l.find((c: { name: string }) => c.name === 'brk')?.state === 'exited',
      90_000,
    );
    expect(list.find((c: { name: string }) => c.name === 'brk').state).toBe('exited');
    const stopped = json(
      (await d.cli(['events', '--container', 'brk', '--kind', 'container.stopped', '--json'], alice)).stdout,
    );
    expect(stopped.at(-1).reason).toMatch(/paused for .*max_pause 3s/);
    expect((await d.cli(['container-retire', 'brk', '--yes', '--force'], alice)).code).toBe(0);
  });
});

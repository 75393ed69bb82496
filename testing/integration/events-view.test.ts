// Issue 14, bug 6, as a real student through the real daemon: `ds01 events --container PROJECT` matches
// like every other command; a container that merely inherits ds01 labels from the user's image (a build
// step, a `docker run`) is not adopted (no adopted/vanished noise); a refused probe of an admin route is not
// in the student's log unless asked for; one start is one `container.started`.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AuditEvent } from '../../daemon/api/types/index.js';
import { startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { cleanupTestUsers, isRoot, type TestUser } from '../harness/users.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
const image = inject('baseImage');
let d: TestDaemon;
let alice: TestUser;

async function events(args: string[]): Promise<AuditEvent[]> {
  const r = await d.cli(['events', '--json', ...args], alice);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as AuditEvent[];
}

describe.skipIf(!isRoot())('a student’s event log (real daemon, real user)', () => {
  beforeAll(async () => {
    ({ d, alice } = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      policyEdits: { 'defaults.idle_timeout': '1h' },
    }));
  });
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('--container takes the project name; one start is one container.started', async () => {
    const dep = await d.cli(
      ['container-deploy', 'thesis', '--image', image, '--cpu-only', '--background'],
      alice,
    );
    expect(dep.code, dep.stderr).toBe(0);
    expect((await d.cli(['container-stop', 'thesis'], alice)).code).toBe(0);
    const st = await d.cli(['container-start', 'thesis'], alice);
    expect(st.code, st.stderr).toBe(0);
    // Let Docker's own start/stop events reach the daemon before counting.
    await new Promise((r) => setTimeout(r, 1500));
    const byProject = await events(['--container', 'thesis']);
    const byDockerName = await events(['--container', `thesis._.${alice.uid}`]);
    expect(byProject.map((e) => e.id)).toEqual(byDockerName.map((e) => e.id));
    expect(byProject.some((e) => e.kind === 'container.created')).toBe(true);
    // Deployed (started once) and started again: two starts, two events, none doubled by the daemon.
    const started = byProject.filter((e) => e.kind === 'container.started');
    expect(
      started.map((e) => e.actor),
      JSON.stringify(byProject.map((e) => [e.kind, e.actor])),
    ).toEqual([alice.name, alice.name]);
    expect(byProject.filter((e) => e.kind === 'container.stopped')).toHaveLength(1);
  });

  it('a container that only inherits the labels of a user image is not adopted', async () => {
    const c = await docker.createContainer({
      name: `epic_allen_${process.pid}`,
      Image: image,
      Cmd: ['true'],
      Labels: { 'ds01.owner.uid': String(alice.uid), 'ds01.owner.name': alice.name },
    });
    try {
      await c.start();
      await c.wait();
      await new Promise((r) => setTimeout(r, 1000)); // Docker's create/start/die events reach the daemon
    } finally {
      await c.remove({ force: true });
    }
    await new Promise((r) => setTimeout(r, 1000));
    const noise = (await events([])).filter((e) => e.containerName?.startsWith('epic_allen'));
    expect(noise).toEqual([]);
    const list = JSON.parse((await d.cli(['container-list', '--json'], alice)).stdout) as { name: string }[];
    expect(list.map((x) => x.name)).toEqual(['thesis']);
  });

  it('a refused admin-route probe is not in the student’s log unless asked for', async () => {
    const r = await d.cli(['admin', 'containers'], alice);
    expect(r.code).toBe(3);
    expect((await events([])).filter((e) => e.kind === 'access.denied')).toEqual([]);
    const asked = await events(['--kind', 'access.']);
    expect(asked.map((e) => e.data?.path)).toContain('/v1/admin/containers');
  });
});

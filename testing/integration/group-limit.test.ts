// group_max_gpus enforced by ds01d itself (not only by Slurm's GrpTRES): the members of a group together hold
// at most N GPU slots, held ones included. Over the cap a deploy is refused naming the group (exit 3), a
// queued one waits with that reason in gpu-queue, check-limits shows the group's use, and a member's
// release serves the queue. Another group is not held back by it.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { GpuAvailabilityReport, LimitsReport, QueueEntryView } from '../../daemon/api/types/index.js';
import { editPolicy, startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { cleanupTestUsers, isRoot, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

const image = inject('baseImage');
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;

async function json<T>(args: string[], user: TestUser): Promise<T> {
  const r = await d.cli([...args, '--json'], user);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}
const deploy = (name: string, user: TestUser, ...extra: string[]) =>
  d.cli(['container-deploy', name, '--image', image, '--mig', '1g.10gb', '--background', ...extra], user);

describe.skipIf(!isRoot())('group_max_gpus (real ds01d)', () => {
  beforeAll(async () => {
    ({ d, alice, bob, carol } = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      policyEdits: {
        'defaults.idle_timeout': '1h',
        'defaults.max_runtime': '1h',
        // alice and bob are students (the default group), capped at 2 slots together; carol is staff.
        'groups.students': { group_max_gpus: 2 },
      },
    }));
    editPolicy(d.policyPath, { 'groups.staff': { members: [carol.name] } });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
  }, 90_000);
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('refuses a deploy over the group cap naming it, queues one with that reason, serves it when a member releases', async () => {
    expect((await deploy('a1', alice)).code).toBe(0);
    expect((await deploy('b1', bob)).code).toBe(0);
    const over = await deploy('a2', alice);
    expect(over.code).toBe(3);
    expect(over.stderr).toMatch(/Your group students holds 2 of its 2 GPU slot\(s\) \(group_max_gpus/);
    expect(over.stderr).toMatch(/--queue/);
    // gpu-avail tells alice the same before she tries: free slots, but none for her while the group is full.
    const avail = await json<GpuAvailabilityReport>(['gpu-avail'], alice);
    expect(avail.you).toMatchObject({
      canGetNow: 0,
      binding: 'group_max_gpus 2 (your group students holds 2)',
    });
    expect(avail.profiles.find((p) => p.profile === '1g.10gb')).toMatchObject({
      forYou: { canGet: 0, binding: 'group_max_gpus 2 (your group students holds 2)' },
    });
    // Free slots are plenty: carol (another group) is not held back.
    expect((await json<GpuAvailabilityReport>(['gpu-avail'], carol)).you.canGetNow).toBeGreaterThan(0);
    expect((await deploy('c1', carol)).code).toBe(0);

    const limits = await json<LimitsReport>(['check-limits'], alice);
    expect(limits.usage).toContainEqual({ key: 'group_max_gpus (students)', used: 2, max: 2 });
    const text = await d.cli(['check-limits'], alice);
    expect(text.stdout).toMatch(/group_max_gpus \(students\)\s+\S*\s*2\/2/);

    const q = await deploy('a2', alice, '--queue', '--json');
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout).status).toBe('queued');
    const waiting = (await json<QueueEntryView[]>(['gpu-queue'], alice)).find((e) => e.state === 'waiting');
    expect(waiting?.wait).toMatchObject({
      kind: 'unknown',
      why: expect.stringMatching(/^group_max_gpus: your group students holds 2 of its 2/),
    });
    // Still waiting after a queue pass (nothing of the group was released).
    expect((await d.cli(['container-retire', 'c1', '--yes'], carol)).code).toBe(0);
    const still = await json<QueueEntryView[]>(['gpu-queue'], alice);
    expect(still.find((e) => e.id === waiting?.id)?.state).toBe('waiting');

    expect((await d.cli(['container-retire', 'b1', '--yes'], bob)).code).toBe(0);
    const served = await until(
      () => json<QueueEntryView[]>(['gpu-queue'], alice),
      (l) => l.find((e) => e.id === waiting?.id)?.state === 'served',
      60_000,
    );
    expect(served.find((e) => e.id === waiting?.id)?.containerId).toBeTruthy();
    const after = await json<LimitsReport>(['check-limits'], alice);
    expect(after.usage).toContainEqual({ key: 'group_max_gpus (students)', used: 2, max: 2 });
    for (const n of ['a1', 'a2']) expect((await d.cli(['container-retire', n, '--yes'], alice)).code).toBe(0);
  }, 180_000);
});

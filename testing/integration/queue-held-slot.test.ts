// Issue 14, bug 2, on the real daemon: with release_held_when_queued a user queues FIRST, then another
// user stops a container; its slot becomes held (for 10 minutes here) and must go to the queue at once,
// not when some unrelated event happens to serve the queue.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { editPolicy, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { oneSlotScenario } from '../harness/fake-gpu.js';
import { cleanupTestUsers, createTestUser, isRoot, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

const image = inject('baseImage');
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;

const json = (s: string) => JSON.parse(s);

describe.skipIf(!isRoot())('a hold that appears after someone queued goes to the queue', () => {
  beforeAll(async () => {
    alice = await createTestUser();
    bob = await createTestUser();
    d = await startTestDaemon({ dockerHost: inject('dockerHost'), scenario: oneSlotScenario() });
    editPolicy(d.policyPath, {
      'defaults.gpu_hold_after_stop': '10m',
      'defaults.idle_timeout': '1h',
      'gpu_allocation.release_held_when_queued': true,
    });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
  });
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('bob queues, then alice stops: bob gets the held slot within seconds', async () => {
    const a = await d.cli(
      ['container-deploy', 'first', '--image', image, '--mig', '1g.10gb', '--background', '--json'],
      alice,
    );
    expect(a.code, a.stderr).toBe(0);
    const slot = json(a.stdout).container.gpuSlots[0].uuid as string;
    const q = await d.cli(
      [
        'container-deploy',
        'second',
        '--image',
        image,
        '--mig',
        '1g.10gb',
        '--background',
        '--queue',
        '--json',
      ],
      bob,
    );
    expect(q.code, q.stderr).toBe(0);
    expect(json(q.stdout)).toMatchObject({ status: 'queued' });

    const t0 = Date.now();
    const stop = await d.cli(['container-stop', 'first'], alice);
    expect(stop.code, stop.stderr).toBe(0);
    const served = await until(
      () => d.cli(['container-list', '--json'], bob).then((x) => json(x.stdout) as { state: string }[]),
      (l) => l.some((c) => c.state === 'running'),
    );
    // Seconds, not the 10-minute hold and not "until an admin did something".
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(served[0]).toMatchObject({ name: 'second', gpuSlots: [{ uuid: slot }] });
    const released = (await d.request('GET', '/v1/admin/events?kind=allocation.released_for_queue')).body as {
      reason: string;
      data: { slot: string };
    }[];
    expect(released.map((e) => e.data.slot)).toEqual([slot]);
    expect(released[0]?.reason).toMatch(new RegExp(`${bob.name} is waiting`));
  });
});

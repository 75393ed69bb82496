// Issue 14, bugs 3 and 11, through the real daemon as real users: at the same moment `gpu-queue`, the
// dashboard and `gpu-avail` give the SAME wait (one estimator), "unknown: no deadline" when nothing has a
// deadline; and a student is shown what THEY can get (no whole GPU their policy forbids) with the limit.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DashboardData, GpuAvailabilityReport, QueueEntryView } from '../../daemon/api/types/index.js';
import { editPolicy, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { loadGpuScenario } from '../harness/fake-gpu.js';
import { cleanupTestUsers, createTestUser, isRoot, type TestUser } from '../harness/users.js';

const image = inject('baseImage');
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;

/** One 1g.10gb slot on GPU 0 and one whole GPU (GPU 2 of the a100 scenario). */
function slotAndWholeGpu() {
  const s = loadGpuScenario('a100-mig-mixed') as {
    gpus: { index: number; migDevices?: { profile: string }[] }[];
  };
  const gpu0 = s.gpus.find((g) => g.index === 0) as (typeof s.gpus)[number];
  const gpu2 = s.gpus.find((g) => g.index === 2) as (typeof s.gpus)[number];
  return {
    ...s,
    gpus: [
      {
        ...gpu0,
        migDevices: gpu0.migDevices?.filter((m) => m.profile === '1g.10gb').slice(0, 1),
        processes: [],
      },
      { ...gpu2, index: 1, processes: [] },
    ],
  };
}

async function json<T>(args: string[], u: TestUser): Promise<T> {
  const r = await d.cli([...args, '--json'], u);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** The three views of bob's wait for a 1g.10gb slot, read back to back. */
async function threeViews() {
  const queue = (await json<QueueEntryView[]>(['gpu-queue'], bob)).find((e) => e.state === 'waiting');
  const dash = (await json<DashboardData>(['dashboard'], bob)).queue.find((e) => e.ownerUid === bob.uid);
  const avail = (await json<GpuAvailabilityReport>(['gpu-avail'], bob)).profiles.find(
    (p) => p.profile === '1g.10gb',
  );
  return { queue: queue?.wait, dashboard: dash?.wait, avail: avail?.wait };
}

describe.skipIf(!isRoot())('one wait estimate, and capacity as the user can use it', () => {
  beforeAll(async () => {
    alice = await createTestUser();
    bob = await createTestUser();
    d = await startTestDaemon({ dockerHost: inject('dockerHost'), scenario: slotAndWholeGpu() });
    editPolicy(d.policyPath, {
      'defaults.allow_full_gpu': false,
      'defaults.max_runtime': '7d',
      'defaults.idle_timeout': '1h',
      'gpu_allocation.release_held_when_queued': false,
    });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
  });
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('gpu-avail shows a student no whole GPU their policy forbids, and says which limit', async () => {
    const r = await json<GpuAvailabilityReport>(['gpu-avail'], bob);
    const full = r.profiles.find((p) => p.profile === 'full');
    expect(full).toMatchObject({
      free: 1,
      forYou: { canGet: 0, binding: expect.stringMatching(/allow_full_gpu/) },
    });
    expect(r.profiles.find((p) => p.profile === '1g.10gb')).toMatchObject({
      free: 1,
      forYou: { canGet: 1 },
      wait: { kind: 'now' },
    });
    // The dashboard counts the whole GPU as free, and says what bob can take and why.
    const dash = await json<DashboardData>(['dashboard'], bob);
    expect(dash.summary.free).toBe(2);
    expect(dash.summary.forYou).toMatchObject({ canGet: 1 });
    const table = await d.cli(['gpu-avail'], bob);
    expect(table.stdout).toMatch(/^full\s+0\s+1\s/m);
    expect(table.stderr).toMatch(/allow_full_gpu/);
  });

  it('gpu-queue, the dashboard and gpu-avail agree on the wait; unknown when nothing has a deadline', async () => {
    const a = await d.cli(
      ['container-deploy', 'busy', '--image', image, '--mig', '1g.10gb', '--background'],
      alice,
    );
    expect(a.code, a.stderr).toBe(0);
    const q = await d.cli(
      ['container-deploy', 'later', '--image', image, '--mig', '1g.10gb', '--background', '--queue'],
      bob,
    );
    expect(q.code, q.stderr).toBe(0);

    // The slot frees when alice's container reaches max_runtime (7d): the whole GPU bob may not use is
    // not "now" for him.
    let v = await threeViews();
    expect(v.queue).toMatchObject({ kind: 'at', why: 'max_runtime' });
    expect(v.dashboard).toEqual(v.queue);
    expect(v.avail).toEqual(v.queue);
    const left = Date.parse(v.queue?.at as string) - Date.now();
    expect(left).toBeGreaterThan(6.9 * 86_400_000);
    // The human forms say the same thing too.
    expect((await d.cli(['gpu-queue'], bob)).stdout).toMatch(/~(6d 23h|7d) \(max_runtime\)/);
    expect((await d.cli(['gpu-avail'], bob)).stdout).toMatch(
      /^1g\.10gb\s+0\s.*~(6d 23h|7d) \(max_runtime\)$/m,
    );

    // No max_runtime: nothing says when the slot frees, and all three say so.
    editPolicy(d.policyPath, { 'defaults.max_runtime': null });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
    v = await threeViews();
    expect(v.queue).toEqual({ kind: 'unknown', at: null, why: 'no deadline' });
    expect(v.dashboard).toEqual(v.queue);
    expect(v.avail).toEqual(v.queue);
    expect((await d.cli(['gpu-queue'], bob)).stdout).toContain('unknown: no deadline');
  });
});

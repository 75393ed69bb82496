// MIG reconfiguration through the real daemon (issue 22), on the fake nvidia-smi's MIG state: the plan for a
// mixed A100 + H100 host, an invalid layout refused with the model's rule, apply on an idle GPU (nobody
// stopped) and on a GPU with a holder (warned, stopped at the deadline, workspace kept, a queued deploy
// served from the new slots), nvidia-smi failing half-way (GPU stays drained, resumable), and ds01d killed
// with -9 while nvidia-smi runs (resumes on restart). The allocator never hands out a drained slice.
import { existsSync } from 'node:fs';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { GpuList, MigPlanView, MigStatusView } from '../../daemon/api/types/index.js';
import { editPolicy, startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { loadGpuScenario } from '../harness/fake-gpu.js';
import { cleanupTestUsers, isRoot, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
const image = inject('baseImage');
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser; // admin

type ScenarioGpu = {
  index: number;
  name: string;
  uuid: string;
  migEnabled?: boolean;
  migDevices?: { profile: string; uuid: string; gi: number }[];
  emptyGpuInstances?: unknown[];
  processes?: unknown[];
};
type Scenario = { gpus: ScenarioGpu[]; migFaults?: unknown[] };

/** GPU 0: A100 3g+2g+1g+1g; GPU 1: A100 7×1g; GPU 2: H100 7×1g; GPU 3: A100, MIG on pending a reset. */
function mixedHost(): Scenario {
  const a100 = loadGpuScenario('a100-mig-mixed') as unknown as Scenario;
  const [g0, g1, g2] = a100.gpus.map((g) => ({ ...g, processes: [] })) as ScenarioGpu[];
  const h100: ScenarioGpu & Record<string, unknown> = {
    index: 2,
    name: 'NVIDIA H100 80GB HBM3',
    uuid: 'GPU-63d1e50a-b952-d15c-0740-12bc14859142',
    busId: '00000000:2A:00.0',
    memoryTotalMiB: 81559,
    migCapable: true,
    migEnabled: true,
    migDevices: [0, 1, 2, 3, 4, 5, 6].map((i) => ({
      profile: '1g.10gb',
      uuid: `MIG-5c1f0d6e-6a2b-5c3d-8e4f-00000000000${i}`,
      gi: 7 + i,
      ci: 0,
      giProfileId: 19,
      placement: `${i}:1`,
      memoryTotalMiB: 9984,
      memoryUsedMiB: 13,
    })),
    processes: [],
  };
  // GPU 3: `nvidia-smi -mig 1` was run, the reset has not happened yet.
  const g3 = { ...(g2 as ScenarioGpu), index: 3, migCapable: true, migEnabled: false, migPending: true };
  return { ...a100, gpus: [g0 as ScenarioGpu, g1 as ScenarioGpu, h100, g3] };
}

const LAYOUT = {
  'A100-80GB': ['3g.40gb', '3g.40gb'],
  H100: ['4g.40gb', '2g.20gb', '1g.10gb'],
  '1': Array(7).fill('1g.10gb'),
};

async function cliJson<T>(args: string[], user?: TestUser): Promise<T> {
  const r = await d.cli([...args, '--json'], user);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return JSON.parse(r.stdout) as T;
}
const plan = () => cliJson<MigPlanView>(['admin', 'mig', 'plan'], carol);
const status = () => cliJson<MigStatusView>(['admin', 'mig', 'status'], carol);
const gpuList = () => cliJson<GpuList>(['gpu', 'list'], carol);
const profilesOf = (gpu: number) =>
  ((d.gpu.readScenario() as unknown as Scenario).gpus.find((g) => g.index === gpu)?.migDevices ?? [])
    .map((m) => m.profile)
    .sort();
const change = async (id: number) => (await status()).changes.find((c) => c.id === id);
async function untilChange(id: number, ok: (state: string) => boolean, ms = 90_000) {
  const c = await until(
    () => change(id),
    (c) => c !== undefined && ok(c.state),
    ms,
    500,
  );
  return c as NonNullable<typeof c>;
}
async function events(user: TestUser, kind: string) {
  return cliJson<{ kind: string; reason: string; data: Record<string, unknown> | null }[]>(
    ['events', '--kind', kind],
    user,
  );
}
function withFault(fault: Record<string, unknown>): void {
  const s = d.gpu.readScenario() as unknown as Scenario;
  d.gpu.setScenario({ ...s, migFaults: [fault] } as unknown as Record<string, unknown>);
}

describe.skipIf(!isRoot())('MIG reconfiguration (real ds01d, fake nvidia-smi MIG state)', () => {
  beforeAll(async () => {
    ({ d, alice, bob, carol } = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      scenario: mixedHost() as unknown as Record<string, unknown>,
      policyEdits: {
        'defaults.idle_timeout': '1h',
        'defaults.max_runtime': '1h',
        'gpu_allocation.layout': LAYOUT,
      },
    }));
  }, 60_000);
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('plans a mixed A100 + H100 host: keeps what it can, names who would be stopped, says what needs a reset', async () => {
    const r = await d.cli(
      ['container-deploy', 'thesis', '--image', image, '--mig', '2g.20gb', '--background'],
      alice,
    );
    expect(r.code, r.stderr).toBe(0);
    const p = await plan();
    const [g0, g1, g2, g3] = p.gpus;
    expect(g0).toMatchObject({
      model: 'A100-80GB',
      modelSource: 'driver',
      current: ['3g.40gb', '2g.20gb', '1g.10gb', '1g.10gb'],
      desiredProfiles: ['3g.40gb', '3g.40gb'],
      desiredFrom: 'model',
      action: 'reconfigure',
      keep: [2],
      destroy: [3, 9, 10],
      create: [{ profile: '3g.40gb', id: 9, start: 0, size: 4 }],
    });
    expect(g0?.holders).toEqual([expect.objectContaining({ user: alice.name, containerName: 'thesis' })]);
    expect(g1).toMatchObject({ action: 'none', desiredFrom: 'index' });
    expect(g2).toMatchObject({
      model: 'H100',
      action: 'reconfigure',
      keep: [13], // the 1g at slice 6 can stay beside 4g@0 and 2g@4
      destroy: [7, 8, 9, 10, 11, 12],
      holders: [],
    });
    expect(g2?.create.map((c) => `${c.profile}@${c.start}`)).toEqual(['4g.40gb@0', '2g.20gb@4']);
    expect(g3).toMatchObject({ action: 'mode-change', migEnabled: false });
    expect(g3?.reason).toMatch(/MIG mode on is pending on this GPU: .*`nvidia-smi -i 3 -r`/);
    // The table says it too, and users may not ask.
    const t = await d.cli(['admin', 'mig', 'plan'], carol);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(
      /^0\s+A100-80GB\s+3g\.40gb \+ 2g\.20gb \+ 1g\.10gb ×2\s+3g\.40gb ×2\s+reconfigure/m,
    );
    expect(t.stdout).toContain(`${alice.name}/thesis`);
    expect((await d.cli(['admin', 'mig', 'plan'], bob)).code).toBe(3);
  });

  it('refuses an invalid layout with the model’s rule: a GPU entry at plan/apply time, a model entry at reload', async () => {
    editPolicy(d.policyPath, { 'gpu_allocation.layout': { ...LAYOUT, '2': ['4g.40gb', '4g.40gb'] } });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
    const g2 = (await plan()).gpus[2];
    expect(g2).toMatchObject({ action: 'invalid', desiredFrom: 'index' });
    expect(g2?.reason).toMatch(/the H100 holds at most 1 × 4g\.40gb/);
    expect((await d.cli(['admin', 'mig', 'plan'], carol)).code).toBe(1);
    const refused = await d.cli(['admin', 'mig', 'apply', '--gpu', '2', '--yes'], carol);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/GPU 2: the H100 holds at most 1 × 4g\.40gb/);
    expect(profilesOf(2)).toEqual(Array(7).fill('1g.10gb'));

    editPolicy(d.policyPath, { 'gpu_allocation.layout': LAYOUT });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
    editPolicy(d.policyPath, {
      'gpu_allocation.layout': { ...LAYOUT, H100: ['3g.40gb', '3g.40gb', '1g.10gb'] },
    });
    const reload = await d.cli(['config', 'reload'], carol);
    expect(reload.code).not.toBe(0);
    expect(reload.stderr + reload.stdout).toMatch(
      /not possible on the H100: 3g\.40gb \+ 3g\.40gb \+ 1g\.10gb cannot be placed/,
    );
    // The last good policy stays: the H100 plan is the valid one.
    expect((await plan()).gpus[2]).toMatchObject({ action: 'reconfigure', desiredProfiles: LAYOUT.H100 });
    editPolicy(d.policyPath, { 'gpu_allocation.layout': LAYOUT });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
  });

  it('applies on an idle GPU: nobody is stopped, the new slots are allocated normally', async () => {
    const r = await cliJson<{ changes: { id: number; holders: unknown[] }[] }>(
      ['admin', 'mig', 'apply', '--gpu', '2', '--drain-deadline', '1h', '--yes'],
      carol,
    );
    expect(r.changes).toHaveLength(1);
    expect(r.changes[0]?.holders).toEqual([]);
    const done = await untilChange(r.changes[0]?.id as number, (s) => s === 'done' || s === 'failed');
    expect(done.state, JSON.stringify(done)).toBe('done');
    expect(done.steps.filter((s) => s.outcome === 'done').map((s) => s.step)).toEqual([
      'draining',
      'waiting',
      'reconfiguring',
      'verifying',
      'undraining',
    ]);
    expect(profilesOf(2)).toEqual(['1g.10gb', '2g.20gb', '4g.40gb']);
    const slots = (await gpuList()).slots.filter((s) => s.gpuIndex === 2 && s.state !== 'missing');
    expect(slots.map((s) => `${s.profile}:${s.state}`).sort()).toEqual([
      '1g.10gb:available',
      '2g.20gb:available',
      '4g.40gb:available',
    ]);
    // The kept 1g is the same device (same UUID) as before.
    expect(slots.find((s) => s.profile === '1g.10gb')?.uuid).toBe('MIG-5c1f0d6e-6a2b-5c3d-8e4f-000000000006');
    expect(await events(carol, 'mig.holder_stopped')).toEqual([]);
    const dep = await d.cli(
      ['container-deploy', 'big', '--image', image, '--mig', '4g.40gb', '--background', '--json'],
      bob,
    );
    expect(dep.code, dep.stderr).toBe(0);
    expect(JSON.parse(dep.stdout).container.gpuSlots[0]).toMatchObject({
      profile: '4g.40gb',
      state: 'active',
    });
    expect((await d.cli(['container-retire', 'big', '--yes'], bob)).code).toBe(0);
  });

  it('applies on a GPU with a holder: drained at once, holder warned, stopped at the deadline (workspace kept), queue served after', async () => {
    const kept = (d.gpu.readScenario() as unknown as Scenario).gpus[0]?.migDevices?.find(
      (m) => m.gi === 2,
    )?.uuid;
    const r = await cliJson<{ changes: { id: number; holders: { user: string }[] }[] }>(
      ['admin', 'mig', 'apply', '--gpu', '0', '--drain-deadline', '1h', '--yes'],
      carol,
    );
    const id = r.changes[0]?.id as number;
    expect(r.changes[0]?.holders.map((h) => h.user)).toEqual([alice.name]);
    // Drained: no slot of GPU 0 is handed out, so a 3g.40gb deploy (GPU 0 has the only ones) must queue.
    const gpu0 = (await gpuList()).slots.filter((s) => s.gpuIndex === 0 && s.state !== 'missing');
    expect(gpu0.every((s) => s.state === 'drained' && s.drainReason === `MIG reconfiguration #${id}`)).toBe(
      true,
    );
    const q = await d.cli(
      [
        'container-deploy',
        'wait3g',
        '--image',
        image,
        '--mig',
        '3g.40gb',
        '--background',
        '--queue',
        '--json',
      ],
      bob,
    );
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout).status).toBe('queued');
    // The admin brings the deadline forward: applying again with a deadline moves it, and alice is told.
    const moved = await cliJson<{ changes: { id: number; deadline: string }[] }>(
      ['admin', 'mig', 'apply', '--gpu', '0', '--drain-deadline', '20s', '--yes'],
      carol,
    );
    expect(moved.changes[0]?.id).toBe(id);
    expect(Date.parse(moved.changes[0]?.deadline ?? '') - Date.now()).toBeLessThan(25_000);
    const warned = await events(alice, 'mig.holder_warned');
    expect(warned.some((e) => /now stopped at .* unless you stop it first/.test(e.reason))).toBe(true);
    const first =
      /GPU 0 is being re-partitioned .* stop it before .* UTC, or ds01 stops it then \(your workspace is kept\)/;
    expect(warned.some((e) => first.test(e.reason))).toBe(true);

    const done = await untilChange(id, (s) => s === 'done' || s === 'failed');
    expect(done.state, JSON.stringify(done)).toBe('done');
    // It waited for the holder until the deadline, not less.
    const waited = done.steps.find((s) => s.step === 'waiting' && s.outcome === 'done');
    expect(Date.parse(waited?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(done.deadline));
    const c = await docker.getContainer(`thesis._.${alice.uid}`).inspect();
    expect(c.State.Running).toBe(false);
    expect(existsSync(`${alice.home}/workspace/thesis`)).toBe(true);
    // Reminded at the policy's warning points (10s, 5s before; each once), stopped once.
    const told = await events(alice, 'mig.holder_warned');
    const reminders = told.filter((e) => /^reminder: GPU 0 /.test(e.reason));
    expect(reminders.length).toBeGreaterThanOrEqual(1);
    expect(new Set(reminders.map((e) => e.data?.pointMs)).size).toBe(reminders.length);
    expect(await events(alice, 'mig.holder_stopped')).toHaveLength(1);
    expect((await events(alice, 'mig.holder_stopped'))[0]?.reason).toMatch(
      /deadline .* has passed; the container was stopped, its workspace is kept/,
    );
    expect(profilesOf(0)).toEqual(['3g.40gb', '3g.40gb']);
    // The kept instance is the same device; bob's queued deploy got a slot of the new layout.
    const after = await until(
      () => gpuList(),
      (l) => l.slots.some((s) => s.gpuIndex === 0 && s.holder?.user === bob.name),
      30_000,
    );
    const gpu0After = after.slots.filter((s) => s.gpuIndex === 0 && s.state !== 'missing');
    expect(gpu0After.map((s) => s.profile)).toEqual(['3g.40gb', '3g.40gb']);
    expect(gpu0After.some((s) => s.uuid === kept)).toBe(true);
    expect(gpu0After.every((s) => s.state === 'available')).toBe(true);
    expect((await d.cli(['container-retire', 'wait3g', '--yes'], bob)).code).toBe(0);
  }, 120_000);

  it('nvidia-smi failing half-way: the change fails with the driver’s words, the GPU stays drained, apply resumes it', async () => {
    editPolicy(d.policyPath, {
      'gpu_allocation.layout': { ...LAYOUT, '1': ['3g.40gb', '2g.20gb', '2g.20gb'] },
    });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
    withFault({ op: 'cgi', remaining: 1, after: 1, error: 'Unknown Error' });
    const r = await cliJson<{ changes: { id: number }[] }>(
      ['admin', 'mig', 'apply', '--gpu', '1', '--drain-deadline', '0', '--yes'],
      carol,
    );
    const id = r.changes[0]?.id as number;
    const failed = await untilChange(id, (s) => s === 'failed' || s === 'done');
    expect(failed).toMatchObject({ state: 'failed', failedStep: 'reconfiguring' });
    expect(failed.error).toMatch(
      /`nvidia-smi mig -i 1 -cgi 9,14,14 -C` failed \(exit 255\): Unable to create a GPU instance on GPU {2}1 using profile 14: Unknown Error/,
    );
    const st = await d.cli(['admin', 'mig', 'status'], carol);
    expect(st.code).toBe(1);
    expect(st.stdout).toMatch(
      /the GPU stays drained: fix the cause, then `ds01 admin mig apply --gpu 1` resumes/,
    );
    // Half done: one instance made, and it is drained with the rest (fenced until verified).
    await until(
      () => gpuList(),
      (l) => l.slots.some((s) => s.gpuIndex === 1 && s.profile === '3g.40gb' && s.state !== 'missing'),
    );
    const gpu1 = (await gpuList()).slots.filter((s) => s.gpuIndex === 1 && s.state !== 'missing');
    expect(gpu1.map((s) => s.profile)).toEqual(['3g.40gb']);
    expect(gpu1.every((s) => s.state === 'drained')).toBe(true);

    const again = await cliJson<{ changes: { id: number; state: string }[] }>(
      ['admin', 'mig', 'apply', '--gpu', '1', '--yes'],
      carol,
    );
    expect(again.changes[0]).toMatchObject({ id, state: 'reconfiguring' });
    expect((await untilChange(id, (s) => s === 'done' || s === 'failed')).state).toBe('done');
    expect(profilesOf(1)).toEqual(['2g.20gb', '2g.20gb', '3g.40gb']);
  }, 120_000);

  it('kill -9 of ds01d while nvidia-smi creates instances: the change resumes on restart and finishes', async () => {
    editPolicy(d.policyPath, { 'gpu_allocation.layout': LAYOUT });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
    withFault({ op: 'cgi', remaining: 1, after: 2, hangMs: 15_000 });
    const r = await cliJson<{ changes: { id: number }[] }>(
      ['admin', 'mig', 'apply', '--gpu', '1', '--drain-deadline', '0', '--yes'],
      carol,
    );
    const id = r.changes[0]?.id as number;
    // nvidia-smi has made two of the seven 1g instances and hangs on the third.
    await until(
      async () => profilesOf(1),
      // (not while the old layout's compute instances are being destroyed one by one)
      (p) => p.length === 2 && p.every((x) => x === '1g.10gb'),
      30_000,
    );
    expect((await change(id))?.state).toBe('reconfiguring');
    await d.kill9();
    await d.restart();
    const done = await untilChange(id, (s) => s === 'done' || s === 'failed');
    expect(done.state, JSON.stringify(done)).toBe('done');
    expect(profilesOf(1)).toEqual(Array(7).fill('1g.10gb'));
    const gpu1 = (await gpuList()).slots.filter((s) => s.gpuIndex === 1 && s.state !== 'missing');
    expect(gpu1).toHaveLength(7);
    expect(gpu1.every((s) => s.state === 'available')).toBe(true);
  }, 120_000);

  it('advance bookings: a plan destroying a booked slot is refused naming it, one keeping it goes through, --force cancels it and tells the booker', async () => {
    const from = new Date(Date.now() + 20 * 60_000).toISOString();
    const made = await d.cli(['book', '--mig', '1g.10gb', '--from', from, '--for', '1h', '--json'], bob);
    expect(made.code, made.stderr).toBe(0);
    const booking = JSON.parse(made.stdout) as { id: number; slots: { uuid: string; gpuIndex: number }[] };
    const gpu = booking.slots[0]?.gpuIndex as number;
    const slot = booking.slots[0]?.uuid as string;
    const layoutOf = (profiles: string[]) => ({ ...LAYOUT, [String(gpu)]: profiles });

    // The whole GPU as one instance: the booked 1g goes, so apply refuses and changes nothing.
    editPolicy(d.policyPath, { 'gpu_allocation.layout': layoutOf(['7g.80gb']) });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
    const p = (await plan()).gpus[gpu];
    expect(p?.bookings).toEqual([
      expect.objectContaining({ id: booking.id, owner: bob.name, slots: [slot] }),
    ]);
    const shown = await d.cli(['admin', 'mig', 'plan'], carol);
    expect(shown.stdout).toContain(`booking ${booking.id} (${bob.name}`);
    const before = profilesOf(gpu);
    const refused = await d.cli(
      ['admin', 'mig', 'apply', '--gpu', String(gpu), '--drain-deadline', '0', '--yes'],
      carol,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`booking ${booking.id} (${bob.name}, `);
    expect(refused.stderr).toMatch(/--force/);
    expect(
      (await status()).changes.filter(
        (c) => c.gpuIndex === gpu && c.state !== 'done' && c.state !== 'cancelled',
      ),
    ).toEqual([]);
    expect(profilesOf(gpu)).toEqual(before);

    // A layout that can keep the booked 1g (beside a 3g): it is kept, and the booking stays.
    editPolicy(d.policyPath, {
      'gpu_allocation.layout': layoutOf(['3g.40gb', '1g.10gb', '1g.10gb', '1g.10gb']),
    });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
    const keeps = (await plan()).gpus[gpu];
    expect(keeps).toMatchObject({ action: 'reconfigure', bookings: [] });
    expect(keeps?.affectedSlots).not.toContain(slot);
    const ok = await cliJson<{ changes: { id: number }[] }>(
      ['admin', 'mig', 'apply', '--gpu', String(gpu), '--drain-deadline', '0', '--yes'],
      carol,
    );
    expect(
      (await untilChange(ok.changes[0]?.id as number, (s) => s === 'done' || s === 'failed')).state,
    ).toBe('done');
    const slotsNow = (await gpuList()).slots.filter((s) => s.gpuIndex === gpu && s.state !== 'missing');
    expect(slotsNow.map((s) => s.uuid)).toContain(slot);
    const mine = await cliJson<{ bookings: { id: number; state: string }[] }>(['book', 'list'], bob);
    expect(mine.bookings.find((b) => b.id === booking.id)?.state).toBe('booked');

    // --force: the change goes ahead, the booking is cancelled with the reason, and bob is told.
    editPolicy(d.policyPath, { 'gpu_allocation.layout': layoutOf(['7g.80gb']) });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
    const forced = await cliJson<{ changes: { id: number }[] }>(
      ['admin', 'mig', 'apply', '--gpu', String(gpu), '--drain-deadline', '0', '--force', '--yes'],
      carol,
    );
    const id = forced.changes[0]?.id as number;
    expect((await untilChange(id, (s) => s === 'done' || s === 'failed')).state).toBe('done');
    expect(profilesOf(gpu)).toEqual(['7g.80gb']);
    const after = await cliJson<{ bookings: { id: number; state: string; endReason: string | null }[] }>(
      ['book', 'list'],
      bob,
    );
    expect(after.bookings.find((b) => b.id === booking.id)).toMatchObject({ state: 'cancelled' });
    expect(after.bookings.find((b) => b.id === booking.id)?.endReason).toMatch(
      new RegExp(`cancelled by admin ${carol.name}: MIG change #${id} re-partitions GPU ${gpu}`),
    );
    const told = await events(bob, 'mig.booking_cancelled');
    expect(told).toHaveLength(1);
    expect(told[0]?.data).toMatchObject({ booking: booking.id, change: id });
    expect(
      (await events(carol, 'mig.requested')).some((e) =>
        (e.data?.forcedBookings as number[] | undefined)?.includes(booking.id),
      ),
    ).toBe(true);
    editPolicy(d.policyPath, { 'gpu_allocation.layout': LAYOUT });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
  }, 180_000);
});

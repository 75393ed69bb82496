// GPUs through the real daemon, as real users: who sees what in `gpu list`, slots that vanish and come back
// (fake nvidia-smi scenario change + refresh), drain/undrain, holds after stop with the policy's deadline,
// and force-release. Holds use containers adopted from their ds01.* labels (DockerSync.adoptAllocations).
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { GpuList, GpuSlotView } from '../../daemon/api/types/index.js';
import { startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { loadGpuScenario } from '../harness/fake-gpu.js';
import { cleanupTestUsers, isRoot, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser; // admin

async function gpuList(user?: TestUser): Promise<GpuList> {
  const r = await d.cli(['gpu', 'list', '--json'], user);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as GpuList;
}
const slot = (l: GpuList, uuid: string) => l.slots.find((s) => s.uuid === uuid) as GpuSlotView;

async function events(user: TestUser, kind: string) {
  const r = await d.cli(['events', '--json', '--kind', kind], user);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { kind: string; reason: string; data: Record<string, unknown> | null }[];
}

/** A container made behind ds01's back with ds01 labels naming a slot: the daemon adopts it and its slot. */
async function labelledGpuContainer(owner: TestUser, project: string, slotUuid: string) {
  const c = await docker.createContainer({
    name: `${project}._.${owner.uid}`,
    Image: inject('baseImage'),
    Cmd: ['sleep', '600'],
    Labels: d.signed(
      {
        'ds01.owner.uid': String(owner.uid),
        'ds01.owner.name': owner.name,
        'ds01.project': project,
        'ds01.gpu.slots': slotUuid,
      },
      `${project}._.${owner.uid}`,
    ),
    HostConfig: {
      Init: true,
      DeviceRequests: [{ Driver: 'nvidia', DeviceIDs: [slotUuid], Capabilities: [['gpu']] }],
    },
  });
  await c.start();
  return c;
}

const scenario = loadGpuScenario('a100-mig-mixed') as {
  gpus: { index: number; migDevices?: { uuid: string }[] }[];
};
const gpu1 = scenario.gpus.find((g) => g.index === 1);
const GPU1_SLOTS = (gpu1?.migDevices ?? []).map((m) => m.uuid);

describe.skipIf(!isRoot())('GPUs through ds01d (real users, fake nvidia-smi)', () => {
  beforeAll(async () => {
    // Not about idle stops: alice's first container must still hold its slot at the force-release test.
    ({ d, alice, bob, carol } = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      policyEdits: { 'defaults.idle_timeout': '1h' },
    }));
  });
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('lists every slot; the holder is "yours" to its owner, "taken" to others, named to admins', async () => {
    const target = GPU1_SLOTS[0] as string;
    const c = await labelledGpuContainer(alice, 'vis', target);
    await until(
      () => gpuList(alice),
      (l) => slot(l, target)?.holder !== null,
    );
    const mine = slot(await gpuList(alice), target);
    expect(mine.holder).toMatchObject({ label: 'yours', yours: true, containerName: 'vis', state: 'active' });
    expect(mine.profile).toBe('1g.10gb');

    const seen = slot(await gpuList(bob), target);
    expect(seen.holder).toMatchObject({ label: 'taken', yours: false, user: null, containerId: null });

    const admin = slot(await gpuList(carol), target);
    expect(admin.holder).toMatchObject({ label: alice.name, user: alice.name, containerId: c.id });

    const all = await gpuList(bob);
    expect(all.slots).toHaveLength(13); // 4 + 7 MIG slices, 2 whole GPUs
    expect(all.slots.filter((s) => s.holder === null)).toHaveLength(12);

    // The table says the same thing.
    const table = await d.cli(['gpu', 'list'], bob);
    expect(table.stdout).toMatch(/taken/);
    expect(table.stdout).not.toContain(alice.name);
    const avail = await d.cli(['gpu-avail', '--json'], bob);
    expect(avail.code, avail.stderr).toBe(0);
    const oneG = JSON.parse(avail.stdout).profiles.find((p: { profile: string }) => p.profile === '1g.10gb');
    expect(oneG).toMatchObject({ total: 9, free: 8 });
  });

  it('marks a vanished slot missing on refresh, tells its holder, and brings it back', async () => {
    const target = GPU1_SLOTS[0] as string;
    expect(slot(await gpuList(alice), target).holder?.yours).toBe(true);
    // A user may not force a probe.
    expect((await d.cli(['gpu', 'refresh'], bob)).code).toBe(3);

    const changed = structuredClone(scenario) as typeof scenario;
    const g1 = changed.gpus.find((g) => g.index === 1) as { migDevices: { uuid: string }[] };
    g1.migDevices = g1.migDevices.filter((m) => m.uuid !== target);
    d.gpu.setScenario(changed as unknown as Record<string, unknown>);
    const r = await d.cli(['gpu', 'refresh', '--json'], carol);
    expect(r.code, r.stderr).toBe(0);
    expect(slot(JSON.parse(r.stdout), target).state).toBe('missing');
    const told = await events(alice, 'gpu.slot_missing');
    expect(told.map((e) => e.data?.slot)).toContain(target);
    // Others are not told about alice's container.
    expect((await events(bob, 'gpu.slot_missing')).map((e) => e.data?.slot)).not.toContain(target);

    d.gpu.setScenario('a100-mig-mixed');
    const back = await d.cli(['gpu', 'refresh', '--json'], carol);
    expect(slot(JSON.parse(back.stdout), target).state).toBe('available');
    expect((await events(alice, 'gpu.slot_returned')).map((e) => e.data?.slot)).toContain(target);
  });

  it('drains a whole GPU (holders keep their slot and are told) and undrains it; only admins, only with a reason', async () => {
    const target = GPU1_SLOTS[0] as string;
    expect((await d.cli(['gpu', 'drain', '1', '--reason', 'x'], bob)).code).toBe(3);
    expect((await d.cli(['gpu', 'drain', '1'], carol)).code).toBe(2);
    expect((await d.cli(['gpu', 'drain', 'GPU-nope', '--reason', 'x'], carol)).code).toBe(4);

    const r = await d.cli(['gpu', 'drain', '1', '--reason', 'reseating the card', '--json'], carol);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.slots.sort()).toEqual([...GPU1_SLOTS].sort());
    expect(res.holders).toEqual([expect.objectContaining({ user: alice.name, slot: target })]);
    const l = await gpuList(bob);
    for (const u of GPU1_SLOTS) expect(slot(l, u).state).toBe('drained');
    expect(slot(l, target).holder?.state).toBe('active'); // still hers
    expect((await events(alice, 'gpu.drained_in_use'))[0]?.reason).toMatch(/reseating the card/);
    const avail = JSON.parse((await d.cli(['gpu-avail', '--json'], bob)).stdout);
    expect(avail.profiles.find((p: { profile: string }) => p.profile === '1g.10gb')).toMatchObject({
      free: 2,
      drained: 7,
    });

    const u = await d.cli(['gpu', 'undrain', GPU1_SLOTS[3] as string, '--reason', 'this one is fine'], carol);
    expect(u.code, u.stderr).toBe(0);
    expect(slot(await gpuList(bob), GPU1_SLOTS[3] as string).state).toBe('available');
    expect((await d.cli(['gpu', 'undrain', '1', '--reason', 'done'], carol)).code).toBe(0);
    for (const s of GPU1_SLOTS) expect(slot(await gpuList(bob), s).state).toBe('available');
  });

  it('holds a stopped container’s slot for gpu_hold_after_stop (5s), then releases it', async () => {
    const target = GPU1_SLOTS[1] as string;
    const c = await labelledGpuContainer(bob, 'hold', target);
    await until(
      () => gpuList(bob),
      (l) => slot(l, target).holder?.state === 'active',
    );
    const stoppedAt = Date.now();
    await c.stop({ t: 1 });
    const held = await until(
      () => gpuList(bob),
      (l) => slot(l, target).holder?.state === 'held',
    );
    const h = slot(held, target).holder;
    expect(h?.state).toBe('held');
    const deadline = Date.parse(h?.holdUntil as string);
    // The deadline is the stop time (as the daemon saw it) + 5 s.
    expect(deadline).toBeGreaterThanOrEqual(stoppedAt + 5000 - 1000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 5000 + 500);
    expect(
      JSON.parse((await d.cli(['gpu-avail', '--json'], bob)).stdout).profiles.find(
        (p: { profile: string }) => p.profile === '1g.10gb',
      )?.held,
    ).toBe(1);
    const gone = await until(
      () => gpuList(bob),
      (l) => slot(l, target).holder === null,
    );
    expect(slot(gone, target).holder).toBeNull();
    const releasedAt = Date.now();
    expect(releasedAt).toBeGreaterThanOrEqual(deadline - 50);
    // Released by the exact timer, not a sweep minutes later.
    expect(releasedAt - deadline).toBeLessThan(3000);
    const ev = await events(bob, 'allocation.');
    expect(ev.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['allocation.held', 'allocation.hold_expired']),
    );
  }, 40_000);

  it('force-releases a slot with a reason: the container keeps running, its owner is told', async () => {
    const target = GPU1_SLOTS[0] as string; // alice's, from the first test
    expect((await d.cli(['gpu', 'release', target, '--reason', 'x'], bob)).code).toBe(3);
    const r = await d.cli(['gpu', 'release', target, '--reason', 'stuck job', '--json'], carol);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res).toMatchObject({ slot: target, released: true, user: alice.name });
    expect(res.note).toMatch(/keeps running/);
    expect(slot(await gpuList(alice), target).holder).toBeNull();
    const ev = (await events(alice, 'allocation.force_released'))[0];
    expect(ev?.reason).toMatch(/stuck job/);
    const running = await docker.listContainers({ filters: { label: [`ds01.owner.uid=${alice.uid}`] } });
    expect(running.some((c) => c.Labels['ds01.project'] === 'vis')).toBe(true);
    // Releasing a free slot is fine and says so.
    const again = await d.cli(['gpu', 'release', target, '--reason', 'again', '--json'], carol);
    expect(JSON.parse(again.stdout).released).toBe(false);
  });

  it('shows the queue (empty) to anyone and refuses to end an entry that does not exist', async () => {
    const q = await d.cli(['gpu-queue', '--json'], alice);
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout)).toEqual([]);
    expect((await d.cli(['gpu-queue', 'leave', '999'], alice)).code).toBe(4);
    expect((await d.cli(['queue', 'leave', 'abc'], alice)).code).toBe(2);
  });
});

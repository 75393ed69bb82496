import { describe, expect, it } from 'vitest';
import {
  type AllocatableSlot,
  type AllocationLimits,
  allocate,
  type LiveAllocation,
  ownerUsage,
} from './allocator.js';
import { chooseHeldToRelease, orderQueue, type QueueEntry, serveQueue } from './queue.js';

const mig = (gpu: number, dev: number, profile: string, slices: number): AllocatableSlot => ({
  uuid: `MIG-${gpu}-${dev}`,
  parentUuid: `GPU-${gpu}`,
  gpuIndex: gpu,
  kind: 'mig',
  profile,
  migDeviceIndex: dev,
  gpuEquivalents: slices / 7,
  state: 'available',
});
const full = (gpu: number): AllocatableSlot => ({
  uuid: `GPU-${gpu}`,
  parentUuid: `GPU-${gpu}`,
  gpuIndex: gpu,
  kind: 'full',
  profile: null,
  migDeviceIndex: null,
  gpuEquivalents: 1,
  state: 'available',
});
// Like a100-mig-mixed: GPU0 3g+2g+1g+1g, GPU1 7x1g, GPUs 2-3 whole.
const slots: AllocatableSlot[] = [
  mig(0, 0, '3g.40gb', 3),
  mig(0, 1, '2g.20gb', 2),
  mig(0, 2, '1g.10gb', 1),
  mig(0, 3, '1g.10gb', 1),
  ...[0, 1, 2, 3, 4, 5, 6].map((d) => mig(1, d, '1g.10gb', 1)),
  full(2),
  full(3),
];
const student: AllocationLimits = {
  maxMigInstances: 2,
  maxGpuEquivalents: 0.5,
  maxGpusPerContainer: 2,
  allowFullGpu: false,
};
const staff: AllocationLimits = {
  maxMigInstances: null,
  maxGpuEquivalents: null,
  maxGpusPerContainer: null,
  allowFullGpu: true,
};
const live = (
  slotUuid: string,
  ownerUid: number,
  state: 'active' | 'held' = 'active',
  heldSince: number | null = null,
): LiveAllocation => ({
  slotUuid,
  ownerUid,
  containerId: `c-${slotUuid}`,
  state,
  heldSince,
});

describe('allocate', () => {
  it('gives the smallest MIG slice, spread over the least-allocated GPU', () => {
    const r = allocate({
      slots,
      allocations: [],
      request: { ownerUid: 1, count: 1 },
      limits: student,
      strategy: 'spread',
    });
    expect(r).toEqual({
      ok: true,
      slots: ['MIG-0-2'],
      gpuEquivalents: 1 / 7,
      deadline: null,
      usedBookings: [],
    });
    const busy0 = [live('MIG-0-0', 9)];
    const spread = allocate({
      slots,
      allocations: busy0,
      request: { ownerUid: 1, count: 2 },
      limits: student,
      strategy: 'spread',
    });
    expect(spread).toMatchObject({ ok: true, slots: ['MIG-1-0', 'MIG-1-1'] });
    const pack = allocate({
      slots,
      allocations: busy0,
      request: { ownerUid: 1, count: 2 },
      limits: student,
      strategy: 'pack',
    });
    expect(pack).toMatchObject({ ok: true, slots: ['MIG-0-2', 'MIG-0-3'] });
  });

  it('honours a profile or whole-GPU preference', () => {
    const p = allocate({
      slots,
      allocations: [],
      request: { ownerUid: 1, count: 1, profile: '3g.40gb' },
      limits: staff,
      strategy: 'spread',
    });
    expect(p).toMatchObject({ ok: true, slots: ['MIG-0-0'] });
    const w = allocate({
      slots,
      allocations: [live('GPU-2', 9)],
      request: { ownerUid: 1, count: 1, wholeGpu: true },
      limits: staff,
      strategy: 'spread',
    });
    expect(w).toMatchObject({ ok: true, slots: ['GPU-3'] });
    const m = allocate({
      slots,
      allocations: [],
      request: { ownerUid: 1, count: 1, minGpuEquivalents: 0.4 },
      limits: staff,
      strategy: 'spread',
    });
    expect(m).toMatchObject({ ok: true, slots: ['MIG-0-0'] });
  });

  it('refuses whole GPUs without allow_full_gpu', () => {
    const r = allocate({
      slots,
      allocations: [],
      request: { ownerUid: 1, count: 1, wholeGpu: true },
      limits: student,
      strategy: 'spread',
    });
    expect(r).toMatchObject({ ok: false, code: 'QUOTA_EXCEEDED', limit: 'allow_full_gpu' });
    const onlyFull = allocate({
      slots: [full(0)],
      allocations: [],
      request: { ownerUid: 1, count: 1 },
      limits: student,
      strategy: 'spread',
    });
    expect(onlyFull).toMatchObject({ ok: false, limit: 'allow_full_gpu' });
  });

  it('counts held slots against max_mig_instances', () => {
    const held = [live('MIG-1-0', 1, 'held', 5), live('MIG-1-1', 1)];
    const r = allocate({
      slots,
      allocations: held,
      request: { ownerUid: 1, count: 1 },
      limits: student,
      strategy: 'spread',
    });
    expect(r).toMatchObject({
      ok: false,
      code: 'QUOTA_EXCEEDED',
      limit: 'max_mig_instances',
      current: 2,
      requested: 1,
      max: 2,
    });
    expect((r as { hint: string }).hint).toMatch(/held slots count/);
  });

  it('checks max_gpu_equivalents against the cheapest possible answer', () => {
    const r = allocate({
      slots,
      allocations: [],
      request: { ownerUid: 1, count: 1, profile: '3g.40gb' },
      limits: { ...student, maxGpuEquivalents: 0.4 },
      strategy: 'spread',
    });
    expect(r).toMatchObject({
      ok: false,
      limit: 'max_gpu_equivalents',
      current: 0,
      requested: 0.429,
      max: 0.4,
    });
    // Exactly at the limit is fine (3 + 2 + ... sevenths summed in floating point).
    const edge = allocate({
      slots,
      allocations: [live('MIG-0-0', 1)],
      request: { ownerUid: 1, count: 1, profile: '2g.20gb' },
      limits: { ...staff, maxGpuEquivalents: 5 / 7 },
      strategy: 'spread',
    });
    expect(edge).toMatchObject({ ok: true });
  });

  it('checks max_gpus_per_container', () => {
    const r = allocate({
      slots,
      allocations: [],
      request: { ownerUid: 1, count: 3 },
      limits: { ...student, maxMigInstances: 9, maxGpuEquivalents: null },
      strategy: 'spread',
    });
    expect(r).toMatchObject({ ok: false, limit: 'max_gpus_per_container', requested: 3, max: 2 });
  });

  it('offers the queue when nothing is free, skipping drained, missing and allocated slots', () => {
    const small = [
      mig(0, 0, '1g.10gb', 1),
      { ...mig(0, 1, '1g.10gb', 1), state: 'drained' as const },
      { ...mig(0, 2, '1g.10gb', 1), state: 'missing' as const },
    ];
    const r = allocate({
      slots: small,
      allocations: [live('MIG-0-0', 2)],
      request: { ownerUid: 1, count: 1 },
      limits: student,
      strategy: 'spread',
    });
    expect(r).toMatchObject({ ok: false, code: 'NO_CAPACITY' });
    expect((r as { hint: string }).hint).toMatch(/--queue/);
  });

  it('rejects impossible and malformed requests', () => {
    const req = (r: object) =>
      allocate({
        slots,
        allocations: [],
        request: { ownerUid: 1, count: 1, ...r },
        limits: staff,
        strategy: 'spread',
      });
    expect(req({ count: 0 })).toMatchObject({ code: 'BAD_REQUEST' });
    expect(req({ count: 1.5 })).toMatchObject({ code: 'BAD_REQUEST' });
    expect(req({ profile: '1g.10gb', wholeGpu: true })).toMatchObject({ code: 'BAD_REQUEST' });
    expect(req({ minGpuEquivalents: 2 })).toMatchObject({ code: 'BAD_REQUEST' });
    const unknown = req({ profile: '4g.40gb' });
    expect(unknown).toMatchObject({ code: 'BAD_REQUEST' });
    expect((unknown as { hint: string }).hint).toBe('MIG profiles on this host: 1g.10gb, 2g.20gb, 3g.40gb.');
    expect(req({ wholeGpu: true, count: 3 })).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('computes usage from live allocations', () => {
    expect(
      ownerUsage(1, slots, [
        live('MIG-0-0', 1),
        live('GPU-2', 1, 'held', 1),
        live('MIG-0-1', 2),
        live('gone', 1),
      ]),
    ).toEqual({
      slots: 3,
      gpuEquivalents: 3 / 7 + 1,
    });
  });
});

const entry = (
  id: string,
  ownerUid: number,
  priority: number,
  enqueuedAt: number,
  lastGpuUsageAt: number | null,
  count = 1,
): QueueEntry => ({
  id,
  ownerUid,
  priority,
  enqueuedAt,
  lastGpuUsageAt,
  request: { ownerUid, count },
});

describe('queue', () => {
  it('orders by priority, then least recent usage, then arrival', () => {
    const q = [
      entry('a', 1, 0, 1, 50),
      entry('b', 2, 5, 9, 99),
      entry('c', 3, 0, 2, null),
      entry('d', 4, 0, 0, 50),
      entry('e', 5, 0, 3, 10),
    ];
    expect(orderQueue(q).map((e) => e.id)).toEqual(['b', 'c', 'e', 'd', 'a']);
  });

  it('a head that does not fit does not block a later entry that does', () => {
    const two = [mig(0, 0, '1g.10gb', 1), mig(0, 1, '1g.10gb', 1)];
    const limits = new Map([
      [1, staff],
      [2, staff],
    ]);
    const q = [entry('big', 1, 9, 0, null, 2), entry('small', 2, 0, 1, null, 1)];
    expect(serveQueue(two, [live('MIG-0-0', 3)], q, limits, 'spread')).toEqual([
      { entryId: 'small', ownerUid: 2, slots: ['MIG-0-1'] },
    ]);
    expect(serveQueue(two, [], q, limits, 'spread')).toEqual([
      { entryId: 'big', ownerUid: 1, slots: ['MIG-0-0', 'MIG-0-1'] },
    ]);
  });

  it('skips entries over quota and entries without limits', () => {
    const limits = new Map([[1, { ...student, maxMigInstances: 1 }]]);
    const q = [entry('a', 1, 0, 0, null), entry('b', 1, 0, 1, null), entry('c', 7, 0, 2, null)];
    expect(serveQueue(slots, [], q, limits, 'spread').map((a) => a.entryId)).toEqual(['a']);
  });

  it('releases the longest-held slots first', () => {
    const held = [
      live('x', 1, 'held', 30),
      live('y', 1, 'active'),
      live('z', 2, 'held', 10),
      live('w', 3, 'held', 10),
    ];
    expect(chooseHeldToRelease(held, 2).map((a) => a.slotUuid)).toEqual(['w', 'z']);
    expect(chooseHeldToRelease(held, 9)).toHaveLength(3);
    expect(chooseHeldToRelease(held, 0)).toEqual([]);
  });
});

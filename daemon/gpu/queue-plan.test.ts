import { describe, expect, it } from 'vitest';
import type { AllocatableSlot, AllocationLimits, LiveAllocation } from './allocator.js';
import type { QueueEntry } from './queue.js';
import { estimateServeAt, planHeldReleases, type SlotOutlook, slotServes } from './queue-plan.js';

const mig = (gpu: number, dev: number, profile = '1g.10gb', slices = 1): AllocatableSlot => ({
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
const limits: AllocationLimits = {
  maxMigInstances: 2,
  maxGpuEquivalents: null,
  maxGpusPerContainer: 2,
  allowFullGpu: false,
};
const held = (slotUuid: string, ownerUid: number, heldSince: number): LiveAllocation => ({
  slotUuid,
  ownerUid,
  containerId: `c-${slotUuid}`,
  state: 'held',
  heldSince,
});
const active = (slotUuid: string, ownerUid: number): LiveAllocation => ({
  slotUuid,
  ownerUid,
  containerId: `c-${slotUuid}`,
  state: 'active',
  heldSince: null,
});
const entry = (id: string, ownerUid: number, count = 1, extra: Partial<QueueEntry> = {}): QueueEntry => ({
  id,
  ownerUid,
  priority: 10,
  enqueuedAt: Number(id),
  lastGpuUsageAt: null,
  request: { ownerUid, count },
  ...extra,
});

describe('planHeldReleases', () => {
  const slots = [mig(0, 0), mig(0, 1), mig(0, 2)];
  const lim = new Map([
    [1, limits],
    [2, limits],
    [3, limits],
    [9, limits],
  ]);

  it('releases the longest-held slot for the head of the queue, and only as many as it needs', () => {
    const allocs = [held('MIG-0-0', 1, 300), held('MIG-0-1', 2, 100), active('MIG-0-2', 3)];
    const plan = planHeldReleases(slots, allocs, [entry('1', 9)], lim, 'spread');
    expect(plan?.entryId).toBe('1');
    expect(plan?.release.map((a) => a.slotUuid)).toEqual(['MIG-0-1']);
  });

  it('releases two held slots for a request of two, longest first', () => {
    const allocs = [held('MIG-0-0', 1, 300), held('MIG-0-1', 2, 100), held('MIG-0-2', 3, 200)];
    const plan = planHeldReleases(slots, allocs, [entry('1', 9, 2)], lim, 'spread');
    expect(plan?.release.map((a) => a.slotUuid).sort()).toEqual(['MIG-0-1', 'MIG-0-2']);
  });

  it('does nothing when no slot is held, or when the waiter is over quota (releasing others cannot help)', () => {
    const running = [active('MIG-0-0', 1), active('MIG-0-1', 2), active('MIG-0-2', 3)];
    expect(planHeldReleases(slots, running, [entry('1', 9)], lim, 'spread')).toBeNull();
    // User 1 holds 2 (their quota): a third slot is a quota breach, not a capacity problem.
    const full2 = [active('MIG-0-0', 1), held('MIG-0-1', 1, 5), held('MIG-0-2', 2, 1)];
    expect(planHeldReleases(slots, full2, [entry('1', 1)], lim, 'spread')).toBeNull();
  });

  it('skips a waiter no release can satisfy and serves the next one', () => {
    const allocs = [held('MIG-0-0', 1, 1), active('MIG-0-1', 2), active('MIG-0-2', 3)];
    const wholeLimits = new Map([...lim, [8, { ...limits, allowFullGpu: true }]]);
    const q = [entry('1', 8, 1, { request: { ownerUid: 8, count: 1, wholeGpu: true } }), entry('2', 9, 1)];
    // No whole GPU on this host at all: entry 1 is a bad request, entry 2 gets the held slice.
    const plan = planHeldReleases(slots, allocs, q, wholeLimits, 'spread');
    expect(plan?.entryId).toBe('2');
    expect(plan?.release.map((a) => a.slotUuid)).toEqual(['MIG-0-0']);
  });

  it('follows queue order: a higher priority waiter is planned first', () => {
    const allocs = [held('MIG-0-0', 1, 1), active('MIG-0-1', 2), active('MIG-0-2', 3)];
    const q = [entry('1', 9), entry('2', 3, 1, { priority: 50 })];
    expect(planHeldReleases(slots, allocs, q, lim, 'spread')?.entryId).toBe('2');
  });
});

describe('estimateServeAt', () => {
  const now = 1_000_000;
  const o = (slot: AllocatableSlot, freeAt: number | null): SlotOutlook => ({ slot, freeAt });

  it('is now when a fitting slot is free and nobody is ahead', () => {
    expect(estimateServeAt([o(mig(0, 0), 0), o(mig(0, 1), now + 50)], { count: 1 }, 0, now)).toBe(now);
  });

  it('counts the slots the entries ahead will take', () => {
    const outlook = [o(mig(0, 0), now + 10), o(mig(0, 1), now + 30), o(mig(0, 2), now + 20)];
    expect(estimateServeAt(outlook, { count: 1 }, 0, now)).toBe(now + 10);
    expect(estimateServeAt(outlook, { count: 1 }, 1, now)).toBe(now + 20);
    expect(estimateServeAt(outlook, { count: 2 }, 1, now)).toBe(now + 30);
  });

  it('is unknown when the slots it needs have no deadline, or there are not enough of them', () => {
    const outlook = [o(mig(0, 0), null), o(mig(0, 1), now + 5)];
    expect(estimateServeAt(outlook, { count: 2 }, 0, now)).toBeNull();
    expect(estimateServeAt(outlook, { count: 3 }, 0, now)).toBeNull();
  });

  it('only counts slots of the shape asked for, never drained or missing ones', () => {
    const drained = { ...mig(0, 2), state: 'drained' as const };
    const missing = { ...mig(0, 3), state: 'missing' as const };
    const outlook = [o(full(1), 0), o(drained, 0), o(missing, 0), o(mig(0, 0, '3g.40gb', 3), now + 99)];
    expect(estimateServeAt(outlook, { count: 1, profile: '1g.10gb' }, 0, now)).toBeNull();
    expect(estimateServeAt(outlook, { count: 1, wholeGpu: true }, 0, now)).toBe(now);
    expect(estimateServeAt(outlook, { count: 1, profile: '3g.40gb' }, 0, now)).toBe(now + 99);
  });

  it('slotServes: profile, whole GPU, any', () => {
    expect(slotServes(mig(0, 0), { profile: '1g.10gb' })).toBe(true);
    expect(slotServes(mig(0, 0), { profile: '3g.40gb' })).toBe(false);
    expect(slotServes(full(0), { wholeGpu: true })).toBe(true);
    expect(slotServes(mig(0, 0), { wholeGpu: true })).toBe(false);
    expect(slotServes(full(0), {}, false)).toBe(false);
  });
});

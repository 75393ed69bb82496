import { describe, expect, it } from 'vitest';
import type { AllocatableSlot, AllocationLimits, LiveAllocation } from './allocator.js';
import { canGetNow, canGetOfKind, estimateWait, ownQuotaBlock } from './wait-estimate.js';

const NOW = 1_000_000;
const mig = (dev: number, profile = '1g.10gb', slices = 1): AllocatableSlot => ({
  uuid: `MIG-${dev}`,
  parentUuid: 'GPU-0',
  gpuIndex: 0,
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
  maxGpusPerContainer: 1,
  allowFullGpu: false,
};
const active = (slotUuid: string, ownerUid: number): LiveAllocation => ({
  slotUuid,
  ownerUid,
  containerId: `c-${slotUuid}`,
  state: 'active',
  heldSince: null,
});

describe('estimateWait: the one estimate behind gpu-queue, dashboard and gpu-avail', () => {
  it('a free slot is now; a hold deadline or a max_runtime end is a time with its basis', () => {
    expect(
      estimateWait({
        outlook: [{ slot: mig(0), freeAt: 0 }],
        request: { count: 1 },
        slotsAhead: 0,
        now: NOW,
      }),
    ).toEqual({ kind: 'now' });
    const outlook = [
      { slot: mig(0), freeAt: NOW + 60_000, basis: 'hold' as const },
      { slot: mig(1), freeAt: NOW + 7 * 86_400_000, basis: 'max_runtime' as const },
    ];
    expect(estimateWait({ outlook, request: { count: 1 }, slotsAhead: 0, now: NOW })).toEqual({
      kind: 'at',
      at: NOW + 60_000,
      basis: 'hold',
    });
    expect(estimateWait({ outlook, request: { count: 1 }, slotsAhead: 1, now: NOW })).toEqual({
      kind: 'at',
      at: NOW + 7 * 86_400_000,
      basis: 'max_runtime',
    });
  });

  it('says "unknown: no deadline" when what it waits for has no deadline, not a made-up time', () => {
    const outlook = [{ slot: mig(0), freeAt: null, basis: 'none' as const }];
    expect(estimateWait({ outlook, request: { count: 1 }, slotsAhead: 0, now: NOW })).toEqual({
      kind: 'unknown',
      why: 'no deadline',
    });
  });

  it('a free whole GPU is not "now" for a user who may not use whole GPUs', () => {
    const outlook = [
      { slot: full(1), freeAt: 0, basis: 'free' as const },
      { slot: mig(0), freeAt: NOW + 5000, basis: 'hold' as const },
    ];
    expect(estimateWait({ outlook, request: { count: 1 }, slotsAhead: 0, now: NOW, limits })).toEqual({
      kind: 'at',
      at: NOW + 5000,
      basis: 'hold',
    });
    expect(
      estimateWait({
        outlook,
        request: { count: 1 },
        slotsAhead: 0,
        now: NOW,
        limits: { allowFullGpu: true },
      }),
    ).toEqual({ kind: 'now' });
  });

  it('a request blocked by its owner’s own quota is unknown with that reason, never "~0s"', () => {
    const slots = [mig(0), mig(1), mig(2)];
    const live = [active('MIG-0', 7), active('MIG-1', 7)];
    const block = ownQuotaBlock(slots, live, { ownerUid: 7, count: 1 }, limits);
    expect(block).toMatch(/^max_mig_instances: You hold 2/);
    expect(ownQuotaBlock(slots, live, { ownerUid: 8, count: 1 }, limits)).toBeNull();
    const outlook = slots.map((slot) => ({ slot, freeAt: 0 }));
    expect(
      estimateWait({ outlook, request: { count: 1 }, slotsAhead: 0, now: NOW, quotaBlock: block }),
    ).toEqual({ kind: 'unknown', why: block });
  });
});

describe('canGetOfKind: what a user can take now, and the binding limit', () => {
  const none = { slots: 0, gpuEquivalents: 0 };
  it('whole GPUs for a user whose policy forbids them: 0, and why', () => {
    expect(canGetOfKind({ kind: 'full', gpuEquivalents: 1, free: 2 }, limits, none)).toEqual({
      canGet: 0,
      atOnce: 0,
      binding: 'allow_full_gpu: no (whole GPUs are not for you)',
    });
  });
  it('the GPU-equivalents cap, not max_mig_instances, binds: one 2g.20gb under a 0.3 cap', () => {
    const capped = { ...limits, maxGpuEquivalents: 0.3 };
    const r = canGetOfKind({ kind: 'mig', gpuEquivalents: 2 / 7, free: 3 }, capped, none);
    // user-setup said "max_mig_instances 2"; the equivalents cap allows one 2g.20gb at once.
    expect(r).toMatchObject({ canGet: 1, atOnce: 1 });
    expect(r.binding).toMatch(/^max_gpu_equivalents 0.3/);
  });
  it('max_mig_instances binds once slots are held; free capacity binds otherwise', () => {
    expect(
      canGetOfKind({ kind: 'mig', gpuEquivalents: 1 / 7, free: 5 }, limits, {
        slots: 1,
        gpuEquivalents: 1 / 7,
      }),
    ).toEqual({
      canGet: 1,
      atOnce: 1,
      binding: 'max_mig_instances 2 (you hold 1)',
    });
    expect(canGetOfKind({ kind: 'mig', gpuEquivalents: 1 / 7, free: 1 }, limits, none)).toEqual({
      canGet: 1,
      atOnce: 2,
      binding: null,
    });
  });
  it("the group's group_max_gpus binds a member who holds nothing, once the group is near its cap", () => {
    const group = { name: 'students', held: 3, max: 4 };
    expect(canGetOfKind({ kind: 'mig', gpuEquivalents: 1 / 7, free: 5 }, limits, none, group)).toEqual({
      canGet: 1,
      atOnce: 1,
      binding: 'group_max_gpus 4 (your group students holds 3)',
    });
    const full = { ...group, held: 4 };
    expect(canGetOfKind({ kind: 'mig', gpuEquivalents: 1 / 7, free: 5 }, limits, none, full)).toMatchObject({
      canGet: 0,
      binding: 'group_max_gpus 4 (your group students holds 4)',
    });
    // A cap with room to spare changes nothing.
    expect(
      canGetOfKind({ kind: 'mig', gpuEquivalents: 1 / 7, free: 1 }, limits, none, { ...group, held: 0 }),
    ).toEqual({ canGet: 1, atOnce: 2, binding: null });
  });
});

describe('canGetNow: slots the user could take now in all', () => {
  it('cheapest first, within the slot count and the GPU-equivalents left', () => {
    expect(canGetNow([1 / 7, 1 / 7, 2 / 7], null, 0.3)).toBe(2);
    expect(canGetNow([1 / 7, 1 / 7, 2 / 7], 1, null)).toBe(1);
    expect(canGetNow([], 2, null)).toBe(0);
    expect(canGetNow([1, 1], null, null)).toBe(2);
  });
});

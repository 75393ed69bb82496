// group_max_gpus in the allocator and the queue: a group's members together hold at most N slots (held ones
// too, a MIG slice counting one); over the cap a request waits (NO_CAPACITY naming the group), beyond the
// cap it can never fit (QUOTA_EXCEEDED), and a capped queue entry neither reserves slots nor blocks others.
import { describe, expect, it } from 'vitest';
import {
  type AllocatableSlot,
  type AllocationLimits,
  allocate,
  type GroupCaps,
  type LiveAllocation,
} from './allocator.js';
import { type QueueEntry, serveQueue } from './queue.js';
import { planHeldReleases } from './queue-plan.js';

const slot = (i: number): AllocatableSlot => ({
  uuid: `MIG-${i}`,
  parentUuid: 'GPU-0',
  gpuIndex: 0,
  kind: 'mig',
  profile: '1g.10gb',
  migDeviceIndex: i,
  gpuEquivalents: 1 / 7,
  state: 'available',
});
const slots = [0, 1, 2, 3, 4, 5, 6].map(slot);
const limits: AllocationLimits = {
  maxMigInstances: null,
  maxGpuEquivalents: null,
  maxGpusPerContainer: null,
  allowFullGpu: false,
};
// uids 1-3 are students (cap 2), 9 is staff (no cap)
const groups: GroupCaps = {
  groupOf: (uid) => (uid < 9 ? 'students' : 'staff'),
  maxOf: (g) => (g === 'students' ? 2 : null),
};
const live = (i: number, ownerUid: number, state: 'active' | 'held' = 'active'): LiveAllocation => ({
  slotUuid: `MIG-${i}`,
  ownerUid,
  containerId: `c${i}`,
  state,
  heldSince: state === 'held' ? 1 : null,
});
const ask = (ownerUid: number, count = 1) => ({ ownerUid, count });

describe('group_max_gpus', () => {
  it('counts every member’s live slots, held ones too, and names the group when full', () => {
    const allocations = [live(0, 1), live(1, 2, 'held')];
    const r = allocate({ slots, allocations, request: ask(3), limits, strategy: 'spread', groups });
    expect(r).toMatchObject({ ok: false, code: 'NO_CAPACITY', group: { name: 'students', held: 2, max: 2 } });
    expect(r.ok || r.message).toMatch(/Your group students holds 2 of its 2 GPU slot\(s\) \(group_max_gpus/);
    expect(r.ok || r.hint).toMatch(/--queue/);
    // Other groups are not capped by it; without caps the same request fits.
    expect(allocate({ slots, allocations, request: ask(9), limits, strategy: 'spread', groups }).ok).toBe(
      true,
    );
    expect(allocate({ slots, allocations, request: ask(3), limits, strategy: 'spread' }).ok).toBe(true);
    // One member's slot released: the next one fits again.
    expect(
      allocate({ slots, allocations: [live(0, 1)], request: ask(3), limits, strategy: 'spread', groups }).ok,
    ).toBe(true);
  });

  it('a request larger than the cap itself is a quota error (waiting could never help)', () => {
    const r = allocate({ slots, allocations: [], request: ask(1, 3), limits, strategy: 'spread', groups });
    expect(r).toMatchObject({
      ok: false,
      code: 'QUOTA_EXCEEDED',
      limit: 'group_max_gpus',
      max: 2,
      requested: 3,
    });
  });

  it('the queue counts what it hands out in the same pass, and a capped entry lets others pass', () => {
    const entry = (id: string, ownerUid: number, enqueuedAt: number): QueueEntry => ({
      id,
      ownerUid,
      priority: 0,
      enqueuedAt,
      lastGpuUsageAt: null,
      request: ask(ownerUid),
    });
    const queue = [entry('a', 1, 1), entry('b', 2, 2), entry('c', 3, 3), entry('d', 9, 4)];
    const byUser = new Map([1, 2, 3, 9].map((u) => [u, limits]));
    const served = serveQueue(
      slots,
      [],
      queue,
      byUser,
      'spread',
      { now: 1e9, maxWaitMs: 0 },
      undefined,
      groups,
    );
    // Two students, then the cap: c waits (and, starving, reserves nothing), staff's d is served.
    expect(served.map((s) => s.entryId)).toEqual(['a', 'b', 'd']);
  });

  it('no held slot is released for an entry its group cap blocks', () => {
    const full = slots.map((_s, i) => live(i, i < 2 ? 1 : 9, i < 2 ? 'active' : 'held'));
    const queue: QueueEntry[] = [
      { id: 'x', ownerUid: 2, priority: 0, enqueuedAt: 1, lastGpuUsageAt: null, request: ask(2) },
    ];
    const byUser = new Map([[2, limits]]);
    expect(planHeldReleases(slots, full, queue, byUser, 'spread', groups)).toBeNull();
    expect(planHeldReleases(slots, full, queue, byUser, 'spread')?.entryId).toBe('x');
  });
});

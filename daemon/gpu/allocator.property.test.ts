// Random operation sequences over a random inventory and users: the allocator and queue must never
// double-allocate, never exceed a quota, never leave a free slot idle while a queued request fits it, and
// always decide the same way for the same input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AllocatableSlot,
  type AllocationLimits,
  type AllocationRequest,
  allocate,
  type LiveAllocation,
  type SlotState,
} from './allocator.js';
import { chooseHeldToRelease, type QueueEntry, serveQueue } from './queue.js';

const EPS = 1e-9;
const LAYOUTS: Record<string, number[]> = {
  whole: [],
  mixed: [3, 2, 1, 1],
  sevenOnes: [1, 1, 1, 1, 1, 1, 1],
  twoThrees: [3, 3],
  big: [4, 2, 1],
  empty: [0], // MIG on, no instances: no slot
};
const PROFILE = (slices: number) => `${slices}g.${slices * 10}gb`;

function inventory(layouts: string[]): AllocatableSlot[] {
  return layouts.flatMap((name, gpu): AllocatableSlot[] => {
    const layout = LAYOUTS[name]!;
    if (layout.length === 0) {
      return [
        {
          uuid: `GPU-${gpu}`,
          parentUuid: `GPU-${gpu}`,
          gpuIndex: gpu,
          kind: 'full' as const,
          profile: null,
          migDeviceIndex: null,
          gpuEquivalents: 1,
          state: 'available' as const,
        },
      ];
    }
    return layout
      .filter((s) => s > 0)
      .map((s, dev) => ({
        uuid: `MIG-${gpu}-${dev}`,
        parentUuid: `GPU-${gpu}`,
        gpuIndex: gpu,
        kind: 'mig' as const,
        profile: PROFILE(s),
        migDeviceIndex: dev,
        gpuEquivalents: s / 7,
        state: 'available' as const,
      }));
  });
}

interface User {
  uid: number;
  priority: number;
  limits: AllocationLimits;
}

const userArb = (uid: number) =>
  fc.record({
    uid: fc.constant(uid),
    priority: fc.integer({ min: 0, max: 3 }),
    limits: fc.record({
      maxMigInstances: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null, freq: 2 }),
      maxGpuEquivalents: fc.option(fc.constantFrom(0.3, 0.5, 1, 2), { nil: null, freq: 2 }),
      maxGpusPerContainer: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null, freq: 2 }),
      allowFullGpu: fc.constantFrom(true, true, false),
    }),
  });

type Op =
  | {
      op: 'request';
      user: number;
      count: number;
      kind: 'any' | 'profile' | 'whole';
      slices: number;
      queue: boolean;
    }
  | { op: 'release' | 'stop'; pick: number }
  | { op: 'expireHold' | 'releaseHeldForQueue' }
  | { op: 'setState'; pick: number; state: SlotState };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('request' as const),
      user: fc.integer({ min: 0, max: 3 }),
      count: fc.constantFrom(1, 1, 1, 2, 3),
      kind: fc.constantFrom('any' as const, 'any' as const, 'profile' as const, 'whole' as const),
      slices: fc.constantFrom(1, 1, 2, 3),
      queue: fc.constantFrom(true, true, true, false),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constantFrom('release' as const, 'release' as const, 'stop' as const),
      pick: fc.nat(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constantFrom('expireHold' as const, 'releaseHeldForQueue' as const) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('setState' as const),
      pick: fc.nat(),
      state: fc.constantFrom<SlotState>('available', 'drained', 'missing'),
    }),
  },
);

const scenarioArb = fc.record({
  // Small hosts so that requests often find no capacity and queue up.
  layouts: fc.array(fc.constantFrom(...Object.keys(LAYOUTS)), { minLength: 1, maxLength: 3 }),
  users: fc.tuple(userArb(100), userArb(101), userArb(102), userArb(103)),
  strategy: fc.constantFrom('spread' as const, 'pack' as const),
  ops: fc.array(opArb, { minLength: 1, maxLength: 60 }),
});

type Scenario = { layouts: string[]; users: User[]; strategy: 'spread' | 'pack'; ops: Op[] };

function simulate(sc: Scenario) {
  let slots = inventory(sc.layouts);
  let allocations: LiveAllocation[] = [];
  let queue: QueueEntry[] = [];
  const limitsByUser = new Map(sc.users.map((u) => [u.uid, u.limits]));
  const log: unknown[] = [];
  let now = 0;
  let seq = 0;

  const grant = (ownerUid: number, containerId: string, granted: string[]) => {
    for (const uuid of granted) {
      // Only available, unallocated slots may be handed out.
      expect(slots.find((s) => s.uuid === uuid)?.state).toBe('available');
      expect(allocations.some((a) => a.slotUuid === uuid)).toBe(false);
      allocations.push({ slotUuid: uuid, ownerUid, containerId, state: 'active', heldSince: null });
    }
  };
  const releaseContainer = (containerId: string) => {
    allocations = allocations.filter((a) => a.containerId !== containerId);
  };
  const containers = () => [...new Set(allocations.map((a) => a.containerId))].sort();

  for (const op of sc.ops) {
    now += 1000;
    if (op.op === 'request') {
      const user = sc.users[op.user]!;
      const request: AllocationRequest = {
        ownerUid: user.uid,
        count: op.count,
        profile: op.kind === 'profile' ? PROFILE(op.slices) : null,
        wholeGpu: op.kind === 'whole',
      };
      const r = allocate({ slots, allocations, request, limits: user.limits, strategy: sc.strategy });
      log.push(r);
      if (r.ok) grant(user.uid, `c${seq++}`, r.slots);
      else if (r.code === 'NO_CAPACITY' && op.queue) {
        queue.push({
          id: `q${seq++}`,
          ownerUid: user.uid,
          priority: user.priority,
          enqueuedAt: now,
          lastGpuUsageAt: null,
          request,
        });
      }
    } else if (op.op === 'release') {
      const c = containers();
      if (c.length) releaseContainer(c[op.pick % c.length]!);
    } else if (op.op === 'stop') {
      const c = containers();
      const id = c.length ? c[op.pick % c.length]! : null;
      allocations = allocations.map((a) =>
        a.containerId === id && a.state === 'active' ? { ...a, state: 'held', heldSince: now } : a,
      );
    } else if (op.op === 'expireHold') {
      const [oldest] = chooseHeldToRelease(allocations, 1);
      if (oldest) releaseContainer(oldest.containerId);
    } else if (op.op === 'releaseHeldForQueue') {
      if (queue.length)
        for (const a of chooseHeldToRelease(allocations, queue.length)) releaseContainer(a.containerId);
    } else if (op.op === 'setState') {
      const target = slots[op.pick % slots.length];
      if (target) slots = slots.map((s) => (s === target ? { ...s, state: op.state } : s));
    }

    // Freed capacity goes to the queue at once.
    const assignments = serveQueue(slots, allocations, queue, limitsByUser, sc.strategy);
    log.push(assignments);
    for (const a of assignments) {
      grant(a.ownerUid, a.entryId, a.slots);
      queue = queue.filter((e) => e.id !== a.entryId);
    }
    checkInvariants(sc, slots, allocations, queue);
  }
  return { slots, allocations, queue, log };
}

function checkInvariants(
  sc: Scenario,
  slots: AllocatableSlot[],
  allocations: LiveAllocation[],
  queue: QueueEntry[],
) {
  // Never double-allocate.
  const uuids = allocations.map((a) => a.slotUuid);
  expect(new Set(uuids).size).toBe(uuids.length);
  const weight = new Map(slots.map((s) => [s.uuid, s]));
  for (const u of sc.users) {
    const own = allocations.filter((a) => a.ownerUid === u.uid);
    const eq = own.reduce((n, a) => n + weight.get(a.slotUuid)!.gpuEquivalents, 0);
    // Never exceed a quota (held slots included).
    if (u.limits.maxMigInstances !== null) expect(own.length).toBeLessThanOrEqual(u.limits.maxMigInstances);
    if (u.limits.maxGpuEquivalents !== null) expect(eq).toBeLessThanOrEqual(u.limits.maxGpuEquivalents + EPS);
    if (!u.limits.allowFullGpu) expect(own.every((a) => weight.get(a.slotUuid)!.kind === 'mig')).toBe(true);
    const perContainer = new Map<string, number>();
    for (const a of own) perContainer.set(a.containerId, (perContainer.get(a.containerId) ?? 0) + 1);
    for (const n of perContainer.values()) {
      if (u.limits.maxGpusPerContainer !== null) expect(n).toBeLessThanOrEqual(u.limits.maxGpusPerContainer);
    }
  }
  // Never leave a free slot idle while a queued request it fits waits.
  for (const e of queue) {
    const limits = sc.users.find((u) => u.uid === e.ownerUid)!.limits;
    expect(allocate({ slots, allocations, request: e.request, limits, strategy: sc.strategy }).ok).toBe(
      false,
    );
  }
}

describe('allocator properties', () => {
  it('never double-allocates, never exceeds quotas, never idles a slot a queued request fits', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        simulate(sc);
      }),
      { numRuns: 2000 },
    );
  });

  it('serveQueue leaves no queued request that fits the remaining free slots', () => {
    const entryArb = fc.record({
      user: fc.integer({ min: 0, max: 3 }),
      count: fc.constantFrom(1, 1, 2, 3),
      slices: fc.constantFrom(0, 0, 1, 2, 3),
      enqueuedAt: fc.nat(100),
    });
    fc.assert(
      fc.property(scenarioArb, fc.array(entryArb, { maxLength: 8 }), (sc, raw) => {
        const { slots, allocations } = simulate({ ...sc, ops: sc.ops.slice(0, 15) });
        const queue: QueueEntry[] = raw.map((e, i) => {
          const u = sc.users[e.user]!;
          const request = { ownerUid: u.uid, count: e.count, profile: e.slices ? PROFILE(e.slices) : null };
          return {
            id: `later${i}`, // not `q…`: simulate() already granted containers by those ids
            ownerUid: u.uid,
            priority: u.priority,
            enqueuedAt: e.enqueuedAt,
            lastGpuUsageAt: null,
            request,
          };
        });
        const limitsByUser = new Map(sc.users.map((u) => [u.uid, u.limits]));
        const assignments = serveQueue(slots, allocations, queue, limitsByUser, sc.strategy);
        const after = [...allocations];
        for (const a of assignments) {
          for (const slotUuid of a.slots)
            after.push({
              slotUuid,
              ownerUid: a.ownerUid,
              containerId: a.entryId,
              state: 'active',
              heldSince: null,
            });
        }
        const served = new Set(assignments.map((a) => a.entryId));
        checkInvariants(
          sc,
          slots,
          after,
          queue.filter((e) => !served.has(e.id)),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('is deterministic for the same input', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        expect(simulate(sc)).toEqual(simulate(structuredClone(sc)));
      }),
      { numRuns: 300 },
    );
  });

  it('the chosen slots do not depend on the order slots and allocations are listed in', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 1, max: 3 }), (sc, count) => {
        const { slots, allocations } = simulate({ ...sc, ops: sc.ops.slice(0, 10) });
        const user = sc.users[0]!;
        const request = { ownerUid: user.uid, count };
        const a = allocate({ slots, allocations, request, limits: user.limits, strategy: sc.strategy });
        const b = allocate({
          slots: [...slots].reverse(),
          allocations: [...allocations].reverse(),
          request,
          limits: user.limits,
          strategy: sc.strategy,
        });
        expect(b).toEqual(a);
      }),
      { numRuns: 500 },
    );
  });
});

// Bookings as a constraint on the allocator, over random inventories, bookings and requests: accepted
// bookings never overlap on a slot; a slot is never given over someone else's booked window unless the
// asker accepted a deadline no later than that window's start; quotas hold with bookings as without.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkBooking, overlaps } from '../booking/rules.js';
import { type BookedWindow, BUILTIN_BOOKING } from '../booking/types.js';
import { type AllocatableSlot, type AllocationLimits, allocate, type LiveAllocation } from './allocator.js';

const H = 3_600_000;
const NOW = Date.UTC(2026, 10, 27, 8);
const PROFILES = ['1g.10gb', '3g.40gb'];

function slots(layout: number[]): AllocatableSlot[] {
  return layout.map((slices, i) => ({
    uuid: `MIG-${i}`,
    parentUuid: `GPU-${Math.floor(i / 3)}`,
    gpuIndex: Math.floor(i / 3),
    kind: 'mig' as const,
    profile: slices === 1 ? '1g.10gb' : '3g.40gb',
    migDeviceIndex: i % 3,
    gpuEquivalents: slices / 7,
    state: 'available' as const,
  }));
}

const layoutArb = fc.array(fc.constantFrom(1, 3), { minLength: 1, maxLength: 6 });
const limitsArb: fc.Arbitrary<AllocationLimits> = fc.record({
  maxMigInstances: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
  maxGpuEquivalents: fc.option(fc.constantFrom(0.5, 1, 2), { nil: null }),
  maxGpusPerContainer: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
  allowFullGpu: fc.boolean(),
});
const requestArb = fc.record({
  uid: fc.integer({ min: 1, max: 4 }),
  admin: fc.boolean(),
  fromH: fc.integer({ min: 0, max: 200 }),
  lenH: fc.integer({ min: 1, max: 6 }),
  count: fc.integer({ min: 1, max: 2 }),
  profile: fc.option(fc.constantFrom(...PROFILES), { nil: null }),
});

/** Books a random sequence through the rules, as the service does (the accepted ones become live). */
type Req = {
  uid: number;
  admin: boolean;
  fromH: number;
  lenH: number;
  count: number;
  profile: string | null;
};

function bookAll(inv: AllocatableSlot[], reqs: Req[], limits: AllocationLimits) {
  const live: (BookedWindow & { admin: boolean })[] = [];
  for (const r of reqs) {
    const from = NOW + r.fromH * H;
    const res = checkBooking({
      now: NOW,
      ownerUid: r.uid,
      from,
      to: from + r.lenH * H,
      shape: { count: r.count, profile: r.profile, wholeGpu: false },
      admin: r.admin,
      maintenance: false,
      policy: BUILTIN_BOOKING,
      limits,
      slots: inv,
      bookings: live,
      when: String,
    });
    if (res.ok)
      live.push({
        id: live.length + 1,
        ownerUid: r.uid,
        admin: r.admin,
        maintenance: false,
        slots: res.slots,
        from,
        to: from + r.lenH * H,
        used: false,
      });
  }
  return live;
}

describe('bookings and the allocator (properties)', () => {
  it('accepted bookings never overlap on one slot, and users stay within the booking policy', () => {
    fc.assert(
      fc.property(layoutArb, limitsArb, fc.array(requestArb, { maxLength: 25 }), (layout, limits, reqs) => {
        const live = bookAll(slots(layout), reqs, limits);
        for (const a of live)
          for (const b of live)
            if (a !== b && a.slots.some((s) => b.slots.includes(s))) expect(overlaps(a, b)).toBe(false);
        for (const b of live.filter((x) => !x.admin)) {
          expect(b.to - b.from).toBeLessThanOrEqual(BUILTIN_BOOKING.maxLengthMs as number);
          expect(b.slots.length).toBeLessThanOrEqual(limits.maxGpusPerContainer ?? 16);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never gives a slot over someone else’s booked window without a deadline at or before its start', () => {
    fc.assert(
      fc.property(
        layoutArb,
        limitsArb,
        fc.array(requestArb, { maxLength: 12 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.option(fc.integer({ min: 1, max: 48 }), { nil: null }),
        fc.array(fc.nat(5), { maxLength: 3 }),
        (layout, limits, reqs, nowH, asker, accept, runH, takenIdx) => {
          const inv = slots(layout);
          const bookings = bookAll(inv, reqs, {
            ...limits,
            maxMigInstances: null,
            maxGpusPerContainer: null,
          });
          const now = NOW + nowH * H;
          const endsBy = runH === null ? null : now + runH * H;
          const allocations: LiveAllocation[] = [...new Set(takenIdx)]
            .filter((i) => i < inv.length)
            .map((i) => ({
              slotUuid: `MIG-${i}`,
              ownerUid: 9,
              containerId: `c${i}`,
              state: 'active',
              heldSince: null,
            }));
          const r = allocate({
            slots: inv,
            allocations,
            request: { ownerUid: asker, count: 1, acceptDeadline: accept, endsBy },
            limits,
            strategy: 'spread',
            bookings: { windows: bookings, now },
          });
          if (!r.ok) return;
          for (const uuid of r.slots) {
            for (const b of bookings) {
              if (!b.slots.includes(uuid) || b.to <= now || b.ownerUid === asker) continue;
              // Someone else's window: never in it now, and a later one only with an accepted deadline.
              expect(b.from).toBeGreaterThan(now);
              if (endsBy === null || endsBy > b.from) {
                // Only the asker's own window in progress carries a deadline without asking.
                const ownNow = bookings.some(
                  (o) => o.ownerUid === asker && o.slots.includes(uuid) && o.from <= now && now < o.to,
                );
                if (!ownNow) expect(accept).toBe(true);
                expect(r.deadline?.at).toBeLessThanOrEqual(b.from);
              }
            }
          }
          // Quotas hold as without bookings.
          const own = allocations.filter((a) => a.ownerUid === asker).length;
          if (limits.maxMigInstances !== null)
            expect(own + r.slots.length).toBeLessThanOrEqual(limits.maxMigInstances);
          if (limits.maxGpuEquivalents !== null)
            expect(r.gpuEquivalents).toBeLessThanOrEqual(limits.maxGpuEquivalents + 1e-9);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the booker in the window gets their booked slot first; nobody else gets it', () => {
    fc.assert(
      fc.property(layoutArb, fc.integer({ min: 0, max: 5 }), (layout, pick) => {
        const inv = slots(layout);
        const slot = inv[pick % inv.length] as AllocatableSlot;
        const bookings: BookedWindow[] = [
          { id: 7, ownerUid: 1, maintenance: false, slots: [slot.uuid], from: NOW, to: NOW + H, used: false },
        ];
        const limits: AllocationLimits = {
          maxMigInstances: null,
          maxGpuEquivalents: null,
          maxGpusPerContainer: null,
          allowFullGpu: false,
        };
        const mine = allocate({
          slots: inv,
          allocations: [],
          request: { ownerUid: 1, count: 1, profile: slot.profile },
          limits,
          strategy: 'pack',
          bookings: { windows: bookings, now: NOW + 1 },
        });
        expect(mine).toMatchObject({ ok: true, slots: [slot.uuid], usedBookings: [7] });
        const byId = allocate({
          slots: inv,
          allocations: [],
          request: { ownerUid: 1, count: 1, bookingId: 7 },
          limits,
          strategy: 'pack',
          bookings: { windows: bookings, now: NOW + 1 },
        });
        expect(byId).toMatchObject({ ok: true, slots: [slot.uuid] });
        const other = allocate({
          slots: inv,
          allocations: [],
          request: { ownerUid: 2, count: inv.length, acceptDeadline: true },
          limits,
          strategy: 'pack',
          bookings: { windows: bookings, now: NOW + 1 },
        });
        expect(other.ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

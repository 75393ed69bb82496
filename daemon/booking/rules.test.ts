import { describe, expect, it } from 'vitest';
import type { AllocatableSlot, AllocationLimits } from '../gpu/allocator.js';
import { type BookingCheckInput, checkBooking, peakWeeklyHours } from './rules.js';
import { type BookedWindow, BUILTIN_BOOKING, WEEK_MS } from './types.js';

const H = 3_600_000;
const NOW = Date.UTC(2026, 10, 27, 12);
const mig = (uuid: string, profile: string, slices: number, dev: number): AllocatableSlot => ({
  uuid,
  parentUuid: 'GPU-0',
  gpuIndex: 0,
  kind: 'mig',
  profile,
  migDeviceIndex: dev,
  gpuEquivalents: slices / 7,
  state: 'available',
});
const SLOTS = [mig('MIG-a', '3g.40gb', 3, 0), mig('MIG-b', '3g.40gb', 3, 1), mig('MIG-c', '1g.10gb', 1, 2)];
const LIMITS: AllocationLimits = {
  maxMigInstances: 2,
  maxGpuEquivalents: null,
  maxGpusPerContainer: 1,
  allowFullGpu: false,
};
const booking = (id: number, ownerUid: number, slots: string[], from: number, to: number): BookedWindow => ({
  id,
  ownerUid,
  maintenance: false,
  slots,
  from,
  to,
  used: false,
});

function input(over: Partial<BookingCheckInput> = {}): BookingCheckInput {
  return {
    now: NOW,
    ownerUid: 1000,
    from: NOW + H,
    to: NOW + 3 * H,
    shape: { count: 1, profile: '3g.40gb', wholeGpu: false },
    admin: false,
    maintenance: false,
    policy: BUILTIN_BOOKING,
    limits: LIMITS,
    slots: SLOTS,
    bookings: [],
    when: (t) => new Date(t).toISOString(),
    ...over,
  };
}

describe('checkBooking', () => {
  it('books the first free slot of the profile, and the next one when that is taken', () => {
    expect(checkBooking(input())).toEqual({ ok: true, slots: ['MIG-a'] });
    const r = checkBooking(input({ bookings: [booking(1, 2000, ['MIG-a'], NOW + 2 * H, NOW + 4 * H)] }));
    expect(r).toEqual({ ok: true, slots: ['MIG-b'] });
  });

  it('refuses when every slot of the shape is booked in an overlapping window, and allows back-to-back', () => {
    const taken = [
      booking(1, 2000, ['MIG-a'], NOW, NOW + 2 * H),
      booking(2, 2001, ['MIG-b'], NOW + 2 * H, NOW + 5 * H),
    ];
    const r = checkBooking(input({ bookings: taken }));
    expect(r).toMatchObject({ ok: false, code: 'NO_CAPACITY' });
    expect(checkBooking(input({ bookings: taken, from: NOW + 5 * H, to: NOW + 6 * H }))).toMatchObject({
      ok: true,
    });
  });

  it('holds the group limits: length, how far ahead, profiles, hours per week', () => {
    expect(checkBooking(input({ to: NOW + H + 5 * H }))).toMatchObject({
      ok: false,
      code: 'QUOTA_EXCEEDED',
      message: expect.stringContaining('at most 4h'),
    });
    expect(checkBooking(input({ from: NOW + 8 * 24 * H, to: NOW + 8 * 24 * H + H }))).toMatchObject({
      ok: false,
      message: expect.stringContaining('ahead'),
    });
    const only1g = { ...BUILTIN_BOOKING, profiles: ['1g.10gb'] };
    expect(checkBooking(input({ policy: only1g }))).toMatchObject({
      ok: false,
      code: 'FORBIDDEN',
      hint: 'Book --mig 1g.10gb.',
    });
    const mine = [
      booking(1, 1000, ['MIG-c'], NOW + 24 * H, NOW + 27 * H),
      booking(2, 1000, ['MIG-c'], NOW + 48 * H, NOW + 52 * H),
    ];
    // 3 + 4 already; 2 more would be 9 > 8.
    expect(checkBooking(input({ bookings: mine }))).toMatchObject({
      ok: false,
      message: expect.stringContaining('9 slot-hours'),
    });
    expect(checkBooking(input({ bookings: mine, to: NOW + 2 * H }))).toMatchObject({ ok: true });
    expect(checkBooking(input({ policy: { ...BUILTIN_BOOKING, maxHoursPerWeek: 0 } }))).toMatchObject({
      ok: false,
      code: 'FORBIDDEN',
    });
  });

  it('admins are not bound by the policy and may book named slots for maintenance; users may not', () => {
    const big = { from: NOW + 30 * 24 * H, to: NOW + 30 * 24 * H + 48 * H };
    expect(
      checkBooking(
        input({
          ...big,
          admin: true,
          maintenance: true,
          shape: { count: 3, profile: null, wholeGpu: false, slotUuids: ['MIG-a', 'MIG-b', 'MIG-c'] },
        }),
      ),
    ).toEqual({
      ok: true,
      slots: ['MIG-a', 'MIG-b', 'MIG-c'],
    });
    expect(checkBooking(input({ maintenance: true }))).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(
      checkBooking(input({ shape: { count: 1, profile: null, wholeGpu: false, slotUuids: ['MIG-a'] } })),
    ).toMatchObject({ ok: false, code: 'FORBIDDEN' });
  });

  it('keeps a user within the quota a deploy would face', () => {
    expect(checkBooking(input({ shape: { count: 2, profile: null, wholeGpu: false } }))).toMatchObject({
      ok: false,
      message: expect.stringContaining('at most 1 GPU slot'),
    });
    const two = [
      booking(1, 1000, ['MIG-a'], NOW + H, NOW + 2 * H),
      booking(2, 1000, ['MIG-c'], NOW + H, NOW + 2 * H),
    ];
    expect(checkBooking(input({ bookings: two }))).toMatchObject({
      ok: false,
      message: expect.stringContaining('max_mig_instances 2'),
    });
    expect(checkBooking(input({ shape: { count: 1, profile: null, wholeGpu: true } }))).toMatchObject({
      ok: false,
      code: 'QUOTA_EXCEEDED',
    });
  });

  it('refuses a start in the past and an empty window', () => {
    expect(checkBooking(input({ from: NOW - 2 * H, to: NOW + H }))).toMatchObject({
      ok: false,
      code: 'BAD_REQUEST',
    });
    expect(checkBooking(input({ to: NOW + H }))).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
  });
});

describe('peakWeeklyHours', () => {
  it('finds the busiest 7 days that touch the new booking, not a calendar week', () => {
    const own = [
      { from: 0, to: 2 * H, n: 1 },
      { from: WEEK_MS - 2 * H, to: WEEK_MS, n: 2 },
    ];
    // Any week containing [WEEK, WEEK+1h): from 1 h after 0 it includes the second booking (4) plus part or
    // all of the new (1); the first booking falls out before the week reaches the new one.
    expect(peakWeeklyHours(own, { from: WEEK_MS, to: WEEK_MS + H, n: 1 })).toBeCloseTo(5 + 1, 5);
    expect(peakWeeklyHours([], { from: 0, to: 3 * H, n: 2 })).toBeCloseTo(6, 5);
  });
});

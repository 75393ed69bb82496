import { describe, expect, it } from 'vitest';
import { BUILTIN_BOOKING } from '../../booking/types.js';
import { bookingHorizonMs, bookingsInTheWay, bookingsText } from './bookings.js';
import { modelById } from './models.js';
import { planGpu } from './plan.js';

const H = 3_600_000;
const NOW = Date.UTC(2026, 10, 27, 12);
const booking = (id: number, slots: string[], fromH: number, toH: number, extra = {}) => ({
  id,
  ownerUid: 1000 + id,
  ownerName: `user${id}`,
  maintenance: false,
  used: false,
  slots,
  from: NOW + fromH * H,
  to: NOW + toH * H,
  ...extra,
});

describe('bookingsInTheWay', () => {
  const window = { now: NOW, applyAt: NOW + H, horizonMs: 24 * H };

  it('names bookings on destroyed slots whose window overlaps now .. apply + horizon', () => {
    const list = [
      booking(1, ['MIG-a'], 2, 4), // after apply, inside the horizon
      booking(2, ['MIG-b'], 0, 3), // running now on a kept slot
      booking(3, ['MIG-a', 'MIG-b'], -1, 0.5), // running now, ends before apply: still lost
      booking(4, ['MIG-a'], 30, 31), // beyond apply + horizon
      booking(5, ['MIG-a'], -3, -1), // over
    ];
    const hit = bookingsInTheWay(['MIG-a', 'MIG-c'], list, window);
    expect(hit.map((b) => [b.id, b.slots])).toEqual([
      [3, ['MIG-a']],
      [1, ['MIG-a']],
    ]);
    expect(bookingsText(hit.slice(0, 1), (t) => new Date(t).toISOString().slice(11, 16))).toBe(
      'booking 3 (user3, 11:00 to 12:30) on MIG-a',
    );
  });

  it('an unlimited horizon takes every future booking; no affected slot takes none', () => {
    const far = [booking(4, ['MIG-a'], 500, 501, { maintenance: true })];
    expect(bookingsInTheWay(['MIG-a'], far, { ...window, horizonMs: Number.POSITIVE_INFINITY })).toHaveLength(
      1,
    );
    expect(bookingsInTheWay([], far, { ...window, horizonMs: Number.POSITIVE_INFINITY })).toEqual([]);
  });
});

describe('bookingHorizonMs', () => {
  it('is the longest max_ahead over the default and every group, Infinity if one is unlimited', () => {
    expect(bookingHorizonMs({ groups: {} })).toBe(BUILTIN_BOOKING.maxAheadMs);
    const booking = { ...BUILTIN_BOOKING, maxAheadMs: 2 * H };
    expect(bookingHorizonMs({ booking, groups: { staff: { booking: { maxAheadMs: 48 * H } }, x: {} } })).toBe(
      48 * H,
    );
    expect(bookingHorizonMs({ booking, groups: { staff: { booking: { maxAheadMs: null } } } })).toBe(
      Number.POSITIVE_INFINITY,
    );
  });
});

describe('planGpu with bookings', () => {
  const H100 = modelById('H100') as NonNullable<ReturnType<typeof modelById>>;
  const sevenOnes = [0, 1, 2, 3, 4, 5, 6].map((i) => ({
    gi: 7 + i,
    profile: '1g.10gb',
    start: i,
    size: 1,
    slots: [`MIG-${i}`],
  }));
  const gpu = (bookedSlots?: string[]) => ({
    index: 0,
    uuid: 'GPU-0',
    name: 'NVIDIA H100 80GB HBM3',
    migEnabled: true,
    model: H100,
    modelSource: 'builtin' as const,
    instances: sevenOnes,
    holders: [{ slot: 'MIG-1', uid: 1, user: 'held', containerId: 'c', containerName: 'x' }],
    ...(bookedSlots ? { bookedSlots } : {}),
  });
  const desired = {
    target: { kind: 'mig' as const, profiles: ['3g.40gb', '1g.10gb'] },
    from: 'model' as const,
  };

  it('keeps a booked instance before a held one when only one side can stay', () => {
    // Without bookings the held 1g at slice 1 stays and the 3g goes to slices 4-7.
    expect(planGpu(gpu(), desired)).toMatchObject({ keep: [8] });
    const p = planGpu(gpu(['MIG-5']), desired);
    expect(p.keep).toEqual([12]);
    expect(p.affectedSlots).not.toContain('MIG-5');
    expect(p.create.map((c) => `${c.profile}@${c.start}`)).toEqual(['3g.40gb@0']);
  });
});

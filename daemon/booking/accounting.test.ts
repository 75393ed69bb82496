import { describe, expect, it } from 'vitest';
import { type BookingForUsage, bookingUsage, calendarNow } from './accounting.js';

const H = 3_600_000;
const b = (over: Partial<BookingForUsage>): BookingForUsage => ({
  id: 1,
  owner: 'ann',
  state: 'used',
  maintenance: false,
  from: 0,
  to: 4 * H,
  endedAt: null,
  slots: [{ uuid: 'S', gpuEquivalents: 0.5 }],
  ...over,
});

describe('bookingUsage', () => {
  it('booked vs used GPU-hours: a used booking, a no-show (booked until released, used 0), a cancel before the start left out', () => {
    const rows = bookingUsage(
      [
        b({ id: 1 }),
        b({ id: 2, owner: 'bob', state: 'no_show', endedAt: 0.25 * H }),
        b({ id: 3, owner: 'bob', state: 'cancelled', endedAt: -H }),
        // cancelled an hour into its window: counts for that hour
        b({ id: 4, owner: 'cy', state: 'cancelled', endedAt: H }),
      ],
      (id) => (id === 1 ? [{ slotUuid: 'S', from: H, to: 3 * H }] : []),
      0,
      10 * H,
      10 * H,
    );
    expect(rows).toEqual([
      { user: 'ann', bookings: 1, noShows: 0, bookedGpuHours: 2, usedGpuHours: 1 },
      { user: 'cy', bookings: 1, noShows: 0, bookedGpuHours: 0.5, usedGpuHours: 0 },
      { user: 'bob', bookings: 1, noShows: 1, bookedGpuHours: 0.125, usedGpuHours: 0 },
    ]);
  });

  it('counts only the part inside the period and up to now; a span running on is cut at now', () => {
    const rows = bookingUsage([b({})], () => [{ slotUuid: 'S', from: 0, to: null }], H, 10 * H, 3 * H);
    expect(rows[0]).toMatchObject({ bookedGpuHours: 1, usedGpuHours: 1 });
  });
});

describe('calendarNow', () => {
  it('upcoming, active and the slots inside a window now', () => {
    const live = [
      { from: 0, to: 10, slots: ['A', 'B'] },
      { from: 5, to: 8, slots: ['B'] },
      { from: 20, to: 30, slots: ['C'] },
    ];
    expect(calendarNow(live, 6)).toEqual({ upcoming: 1, active: 2, bookedSlots: 2 });
  });
});

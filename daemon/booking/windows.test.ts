import { describe, expect, it } from 'vitest';
import type { BookedWindow } from './types.js';
import { bookingDeadline, slotView } from './windows.js';

const b = (
  id: number,
  ownerUid: number,
  slots: string[],
  from: number,
  to: number,
  maintenance = false,
): BookedWindow => ({
  id,
  ownerUid,
  maintenance,
  slots,
  from,
  to,
  used: false,
});

describe('slotView', () => {
  const bookings = [b(1, 1, ['S'], 100, 200), b(2, 2, ['S'], 300, 400), b(3, 1, ['M'], 0, 1000, true)];
  it('tells the booker it is theirs, everyone else that it is blocked, in the window', () => {
    expect(slotView('S', 1, bookings, 150)).toMatchObject({ kind: 'mine' });
    expect(slotView('S', 2, bookings, 150)).toMatchObject({ kind: 'blocked' });
  });
  it('before a window: usable until the next booking by someone else', () => {
    expect(slotView('S', 2, bookings, 50)).toMatchObject({ kind: 'until', at: 100 });
    expect(slotView('S', 1, bookings, 250)).toMatchObject({ kind: 'until', at: 300 });
    expect(slotView('S', 1, bookings, 450)).toEqual({ kind: 'free' });
  });
  it('maintenance blocks even the admin who booked it', () => {
    expect(slotView('M', 1, bookings, 5)).toMatchObject({ kind: 'blocked' });
  });
});

describe('bookingDeadline', () => {
  it('is the earliest start of another user’s booking on any of the slots, or null', () => {
    const bookings = [b(1, 1, ['A'], 500, 600), b(2, 2, ['B'], 300, 400), b(3, 9, ['A'], 100, 200)];
    expect(bookingDeadline(['A', 'B'], 9, bookings, 0)).toMatchObject({ at: 300, booking: { id: 2 } });
    expect(bookingDeadline(['A'], 9, bookings, 0)).toMatchObject({ at: 500 });
    expect(bookingDeadline(['A'], 1, bookings, 0)).toMatchObject({ at: 100 });
    expect(bookingDeadline(['A'], 1, bookings, 250)).toBeNull();
  });
  it('a booking already in its window means now', () => {
    expect(bookingDeadline(['A'], 2, [b(1, 1, ['A'], 100, 200)], 150)).toMatchObject({ at: 100 });
  });
});

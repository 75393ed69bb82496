// Which advance bookings a MIG plan would break (pure). A booking holds CONCRETE slots (MIG device UUIDs);
// destroying a GPU instance removes its slots for good (re-created ones get new UUIDs), so a booking on an
// affected slot is lost. A booking counts when its window overlaps [now, apply time + booking horizon): the
// horizon is how far ahead anyone may book (booking.max_ahead, the longest over every group), so any booking
// that could exist when the new layout is in place is looked at. `null` max_ahead means no horizon: every
// live booking counts.
import type { BookedWindow, BookingPolicy } from '../../booking/types.js';
import { BUILTIN_BOOKING } from '../../booking/types.js';

export interface BookingInTheWay {
  id: number;
  ownerUid: number;
  ownerName: string;
  maintenance: boolean;
  from: number;
  to: number;
  /** The booking's slots that the plan destroys. */
  slots: string[];
}

/** The longest `max_ahead` over the top-level booking policy and every group's; Infinity if any is unlimited. */
export function bookingHorizonMs(policy: {
  booking?: BookingPolicy;
  groups: Readonly<Record<string, { booking?: Partial<BookingPolicy> }>>;
}): number {
  const top = { ...BUILTIN_BOOKING, ...policy.booking }.maxAheadMs;
  const all = [
    top,
    ...Object.values(policy.groups).map((g) =>
      g.booking?.maxAheadMs === undefined ? top : g.booking.maxAheadMs,
    ),
  ];
  return all.some((ms) => ms === null) ? Number.POSITIVE_INFINITY : Math.max(...(all as number[]));
}

export function bookingsInTheWay(
  affectedSlots: readonly string[],
  bookings: readonly (BookedWindow & { ownerName: string })[],
  window: { now: number; applyAt: number; horizonMs: number },
): BookingInTheWay[] {
  const affected = new Set(affectedSlots);
  const until = Math.max(window.now, window.applyAt) + window.horizonMs;
  return bookings
    .filter((b) => b.to > window.now && b.from < until)
    .map((b) => ({ b, hit: b.slots.filter((s) => affected.has(s)) }))
    .filter(({ hit }) => hit.length > 0)
    .sort((x, y) => x.b.from - y.b.from || x.b.id - y.b.id)
    .map(({ b, hit }) => ({
      id: b.id,
      ownerUid: b.ownerUid,
      ownerName: b.ownerName,
      maintenance: b.maintenance,
      from: b.from,
      to: b.to,
      slots: hit,
    }));
}

/** One sentence naming the bookings (for a refusal and the plan's table). */
export function bookingsText(list: readonly BookingInTheWay[], when: (t: number) => string): string {
  return list
    .map(
      (b) =>
        `booking ${b.id} (${b.maintenance ? 'maintenance, ' : ''}${b.ownerName}, ${when(b.from)} to ${when(b.to)}) on ${b.slots.join(', ')}`,
    )
    .join('; ');
}

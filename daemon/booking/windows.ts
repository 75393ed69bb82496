// What bookings mean for one slot at one moment, for one user. Pure; used by the allocator (who may take a
// slot now, and until when), the lifecycle (a running container's booking deadline) and `gpu avail --at`.
import type { BookedWindow } from './types.js';

export type SlotView =
  /** No booking touches it from now on. */
  | { kind: 'free' }
  /** The asker's own booking is in its window now: theirs to use, until someone else's next one (or null). */
  | { kind: 'mine'; booking: BookedWindow; next: BookedWindow | null }
  /** Someone else's booking (or maintenance) is in its window now. */
  | { kind: 'blocked'; booking: BookedWindow }
  /** Free now, but someone else's booking starts at `at`: usable only with a deadline at `at`. */
  | { kind: 'until'; at: number; booking: BookedWindow };

const onSlot = (b: BookedWindow, slot: string) => b.slots.includes(slot);

export function slotView(
  slot: string,
  uid: number,
  bookings: readonly BookedWindow[],
  now: number,
): SlotView {
  const relevant = bookings.filter((b) => onSlot(b, slot) && b.to > now);
  const current = relevant.find((b) => b.from <= now);
  if (current && (current.ownerUid !== uid || current.maintenance))
    return { kind: 'blocked', booking: current };
  const next = relevant
    .filter((b) => b.from > now && (b.ownerUid !== uid || b.maintenance))
    .sort((a, b) => a.from - b.from || a.id - b.id)[0];
  if (current) return { kind: 'mine', booking: current, next: next ?? null };
  return next ? { kind: 'until', at: next.from, booking: next } : { kind: 'free' };
}

/**
 * When a container of `ownerUid` on `slots` must stop for someone else's booking (or maintenance): the
 * earliest start of such a booking that has not ended, or null. A start in the past means now.
 */
export function bookingDeadline(
  slots: readonly string[],
  ownerUid: number,
  bookings: readonly BookedWindow[],
  now: number,
): { at: number; booking: BookedWindow } | null {
  let best: { at: number; booking: BookedWindow } | null = null;
  for (const b of bookings) {
    if (b.to <= now || (b.ownerUid === ownerUid && !b.maintenance)) continue;
    if (!slots.some((s) => onSlot(b, s))) continue;
    if (!best || b.from < best.at || (b.from === best.at && b.id < best.booking.id))
      best = { at: b.from, booking: b };
  }
  return best;
}

/** A queued deploy's booking terms (`--booking ID`, `--accept-deadline`) as its stored request asked them. */
export function bookingTerms(deploy: unknown): { bookingId: number | null; acceptDeadline: boolean } {
  const d = (deploy ?? {}) as { booking?: unknown; acceptDeadline?: unknown };
  return {
    bookingId: typeof d.booking === 'number' ? d.booking : null,
    acceptDeadline: d.acceptDeadline === true,
  };
}

// Pure data of advance booking: a window on concrete GPU slots, and the policy limits a booking is checked
// against. No I/O; times are epoch ms, half-open windows [from, to).

/** One live booking as the allocator, the lifecycle and the rules see it. */
export interface BookedWindow {
  id: number;
  /** The booker; for a maintenance booking the admin who made it (nobody may use the slots then). */
  ownerUid: number;
  maintenance: boolean;
  slots: readonly string[];
  from: number;
  to: number;
  /** The booker deployed on it inside the window (a no-show is released after the grace period). */
  used: boolean;
}

/** `booking:` in resource-limits.yaml (top level, and per group over it). null = no limit. */
export interface BookingPolicy {
  /** Booked slot-hours a user may hold in any 7 days (a 2-slot booking for 3 h counts 6). 0 = no booking. */
  maxHoursPerWeek: number | null;
  /** How far ahead a booking may start. */
  maxAheadMs: number | null;
  /** The longest one booking may be. */
  maxLengthMs: number | null;
  /** MIG profiles (and `full` for whole GPUs) that may be booked; null = any. */
  profiles: readonly string[] | null;
  /** An unused booking is released this long after its start, and the queue is served. */
  noShowGraceMs: number;
}

export const BUILTIN_BOOKING: Readonly<BookingPolicy> = Object.freeze({
  maxHoursPerWeek: 8,
  maxAheadMs: 7 * 24 * 3_600_000,
  maxLengthMs: 4 * 3_600_000,
  profiles: null,
  noShowGraceMs: 15 * 60_000,
});

export const WEEK_MS = 7 * 24 * 3_600_000;

/** The booking limits for one group: the top-level `booking` keys with the group's laid over them. */
export function bookingPolicyFor(
  policy: { booking?: BookingPolicy; groups: Readonly<Record<string, { booking?: Partial<BookingPolicy> }>> },
  group: string,
): BookingPolicy {
  return { ...BUILTIN_BOOKING, ...policy.booking, ...policy.groups[group]?.booking };
}

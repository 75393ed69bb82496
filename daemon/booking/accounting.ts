// Booked against used GPU-hours (so no-shows are visible), and the calendar's state for /metrics. Pure:
// the store gives the bookings and the booker's allocation spans on the booked slots.

export interface BookingForUsage {
  id: number;
  owner: string;
  state: 'booked' | 'used' | 'cancelled' | 'no_show';
  maintenance: boolean;
  from: number;
  to: number;
  /** When it left the calendar early (cancelled, no-show); null = kept its whole window. */
  endedAt: number | null;
  /** Its slots' weights in GPU-equivalents. */
  slots: readonly { uuid: string; gpuEquivalents: number }[];
}

/** The booker's allocations on the booking's slots (any container), as spans. */
export interface Span {
  slotUuid: string;
  from: number;
  to: number | null;
}

export interface BookingUsageRow {
  user: string;
  bookings: number;
  noShows: number;
  /** Booked window inside the period × GPU-equivalents (a no-show counts until it was released). */
  bookedGpuHours: number;
  /** The part of it the booker held the booked slots. */
  usedGpuHours: number;
}

const H = 3_600_000;
const overlap = (a: number, b: number, c: number, d: number) => Math.max(0, Math.min(b, d) - Math.max(a, c));

/** Per booker over [from, to): maintenance and bookings cancelled before their start are left out. */
export function bookingUsage(
  bookings: readonly BookingForUsage[],
  spansOf: (bookingId: number) => readonly Span[],
  from: number,
  to: number,
  now: number,
): BookingUsageRow[] {
  const rows = new Map<string, BookingUsageRow>();
  for (const b of bookings) {
    // A booking cancelled before its start never held anything; one cancelled in its window counts until then.
    if (b.maintenance || (b.state === 'cancelled' && (b.endedAt ?? b.from) <= b.from)) continue;
    const end = Math.min(b.to, b.endedAt ?? b.to);
    const lo = Math.max(b.from, from);
    const hi = Math.min(end, to, now);
    const row = rows.get(b.owner) ?? {
      user: b.owner,
      bookings: 0,
      noShows: 0,
      bookedGpuHours: 0,
      usedGpuHours: 0,
    };
    rows.set(b.owner, row);
    row.bookings++;
    if (b.state === 'no_show') row.noShows++;
    if (hi <= lo) continue;
    const weight = new Map(b.slots.map((s) => [s.uuid, s.gpuEquivalents]));
    for (const s of b.slots) row.bookedGpuHours += ((hi - lo) * s.gpuEquivalents) / H;
    for (const sp of spansOf(b.id))
      row.usedGpuHours += (overlap(sp.from, sp.to ?? now, lo, hi) * (weight.get(sp.slotUuid) ?? 0)) / H;
  }
  const round = (n: number) => Math.round(n * 1e6) / 1e6;
  return [...rows.values()]
    .map((r) => ({ ...r, bookedGpuHours: round(r.bookedGpuHours), usedGpuHours: round(r.usedGpuHours) }))
    .sort((a, b) => b.bookedGpuHours - a.bookedGpuHours || a.user.localeCompare(b.user));
}

/** Live bookings now: upcoming and active ones, and the slots inside a window. */
export function calendarNow(
  live: readonly { from: number; to: number; slots: readonly string[] }[],
  now: number,
) {
  const active = live.filter((b) => b.from <= now && now < b.to);
  return {
    upcoming: live.filter((b) => b.from > now).length,
    active: active.length,
    bookedSlots: new Set(active.flatMap((b) => b.slots)).size,
  };
}

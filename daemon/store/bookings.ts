// Advance bookings: one row per booking, one booking_slots row per slot it covers. A booking is `booked`
// until the booker deploys on it in its window (`used`), or it is `cancelled` or released as a `no_show`;
// the last two take its slots off the calendar (live = 0), so the trigger no longer counts them.
import type { BookedWindow } from '../booking/types.js';
import type { Db } from './db.js';

export type BookingState = 'booked' | 'used' | 'cancelled' | 'no_show';

export interface BookingRow {
  id: number;
  owner_uid: number;
  owner_name: string;
  from_ms: number;
  to_ms: number;
  profile: string | null;
  maintenance: number;
  note: string | null;
  grace_ms: number;
  state: BookingState;
  created_at: number;
  created_by: string;
  used_at: number | null;
  ended_at: number | null;
  end_reason: string | null;
}

export interface Booking extends BookingRow {
  slots: string[];
}

export class BookingsRepo {
  constructor(private readonly db: Db) {}

  insert(b: {
    owner_uid: number;
    owner_name: string;
    from_ms: number;
    to_ms: number;
    profile: string | null;
    maintenance: boolean;
    note: string | null;
    grace_ms: number;
    created_at: number;
    created_by: string;
    slots: readonly string[];
  }): number {
    // One unit (a savepoint inside the caller's transaction): a refused slot leaves no booking row behind.
    return this.db.transaction(() => this.insertRows(b))();
  }

  private insertRows(b: Parameters<BookingsRepo['insert']>[0]): number {
    const id = Number(
      this.db
        .prepare(
          `INSERT INTO bookings (owner_uid, owner_name, from_ms, to_ms, profile, maintenance, note, grace_ms, created_at,
             created_by)
           VALUES (@owner_uid, @owner_name, @from_ms, @to_ms, @profile, @maintenance, @note, @grace_ms, @created_at,
             @created_by)`,
        )
        .run({ ...b, maintenance: b.maintenance ? 1 : 0 }).lastInsertRowid,
    );
    const slot = this.db.prepare(
      'INSERT INTO booking_slots (booking_id, slot_uuid, from_ms, to_ms) VALUES (?, ?, ?, ?)',
    );
    for (const uuid of b.slots) slot.run(id, uuid, b.from_ms, b.to_ms);
    return id;
  }

  get(id: number): Booking | undefined {
    const row = this.db.prepare('SELECT * FROM bookings WHERE id = ?').get(id) as BookingRow | undefined;
    return row ? this.withSlots([row])[0] : undefined;
  }

  /** Booked or used bookings that have not ended by `now` (the calendar from now on). */
  live(now: number): Booking[] {
    return this.withSlots(
      this.db
        .prepare(
          `SELECT * FROM bookings WHERE state IN ('booked', 'used') AND to_ms > ? ORDER BY from_ms, id`,
        )
        .all(now) as BookingRow[],
    );
  }

  /** The live calendar as the allocator and the lifecycle see it. */
  windows(now: number): BookedWindow[] {
    return this.live(now).map(toWindow);
  }

  /** Every booking overlapping [from, to), any state, oldest first (lists and usage). */
  between(from: number, to: number, ownerUid?: number): Booking[] {
    const rows = (
      ownerUid === undefined
        ? this.db
            .prepare('SELECT * FROM bookings WHERE from_ms < ? AND to_ms > ? ORDER BY from_ms, id')
            .all(to, from)
        : this.db
            .prepare(
              'SELECT * FROM bookings WHERE from_ms < ? AND to_ms > ? AND owner_uid = ? ORDER BY from_ms, id',
            )
            .all(to, from, ownerUid)
    ) as BookingRow[];
    return this.withSlots(rows);
  }

  /** The booker's allocations on the booking's slots that overlap its window (any container). */
  spans(
    b: Pick<Booking, 'id' | 'owner_uid' | 'from_ms' | 'to_ms'>,
  ): { slotUuid: string; from: number; to: number | null }[] {
    return this.db
      .prepare(
        `SELECT a.slot_uuid AS slotUuid, a.allocated_at AS "from", a.released_at AS "to" FROM allocations a
           JOIN booking_slots s ON s.booking_id = ? AND s.slot_uuid = a.slot_uuid
           WHERE a.owner_uid = ? AND a.allocated_at < ? AND (a.released_at IS NULL OR a.released_at > ?)`,
      )
      .all(b.id, b.owner_uid, b.to_ms, b.from_ms) as { slotUuid: string; from: number; to: number | null }[];
  }

  /** Bookings that ever ended as no-shows (for /metrics). */
  noShows(): number {
    return (
      this.db.prepare(`SELECT COUNT(*) AS n FROM bookings WHERE state = 'no_show'`).get() as { n: number }
    ).n;
  }

  markUsed(id: number, at: number): boolean {
    return (
      this.db
        .prepare(`UPDATE bookings SET state = 'used', used_at = ? WHERE id = ? AND state = 'booked'`)
        .run(at, id).changes > 0
    );
  }

  /** Cancel or release as a no-show: off the calendar from now on. */
  end(id: number, state: 'cancelled' | 'no_show', at: number, reason: string): boolean {
    const changed =
      this.db
        .prepare(
          `UPDATE bookings SET state = ?, ended_at = ?, end_reason = ? WHERE id = ? AND state IN ('booked', 'used')`,
        )
        .run(state, at, reason, id).changes > 0;
    if (changed) this.db.prepare('UPDATE booking_slots SET live = 0 WHERE booking_id = ?').run(id);
    return changed;
  }

  private withSlots(rows: BookingRow[]): Booking[] {
    if (!rows.length) return [];
    const stmt = this.db.prepare(
      'SELECT slot_uuid FROM booking_slots WHERE booking_id = ? ORDER BY slot_uuid',
    );
    return rows.map((r) => ({
      ...r,
      slots: (stmt.all(r.id) as { slot_uuid: string }[]).map((x) => x.slot_uuid),
    }));
  }
}

/** The allocator's and the lifecycle's view of a stored booking. */
export function toWindow(b: Booking): BookedWindow {
  return {
    id: b.id,
    ownerUid: b.owner_uid,
    maintenance: b.maintenance === 1,
    slots: b.slots,
    from: b.from_ms,
    to: b.to_ms,
    used: b.state === 'used',
  };
}

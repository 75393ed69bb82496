// GPU allocations. At most one live (active|held) row per slot — enforced by a partial unique index.
import type { LiveAllocation } from '../gpu/allocator.js';
import type { Db } from './db.js';
import { LiveAllocationsCache } from './live-allocations.js';

export interface AllocationRow {
  id: number;
  slot_uuid: string;
  container_id: string | null;
  owner_uid: number;
  state: 'active' | 'held' | 'released';
  allocated_at: number;
  held_since: number | null;
  hold_until: number | null;
  released_at: number | null;
  release_reason: string | null;
}

export class AllocationsRepo {
  private readonly liveCache: LiveAllocationsCache;

  constructor(private readonly db: Db) {
    this.liveCache = new LiveAllocationsCache(db);
  }

  /** Store.tx: a new outermost transaction (see LiveAllocationsCache). */
  transactionStarts(): void {
    this.liveCache.transactionStarts();
  }

  // `ORDER BY +id` (not `id`): ordering by the rowid made SQLite scan every allocation ever made; this
  // way it reads the live ones through the partial index allocations_one_live_per_slot and sorts those.
  live(): AllocationRow[] {
    return this.db
      .prepare(`SELECT * FROM allocations WHERE state IN ('active', 'held') ORDER BY +id`)
      .all() as AllocationRow[];
  }

  /**
   * The live allocations as the allocator reads them (a reservation is `reservation:<id>`), oldest first:
   * frozen, from memory while nothing changed them (live-allocations.ts).
   */
  liveForAllocator(): readonly LiveAllocation[] {
    return this.liveCache.get();
  }

  liveForContainer(containerId: string): AllocationRow[] {
    return this.db
      .prepare(`SELECT * FROM allocations WHERE container_id = ? AND state IN ('active', 'held') ORDER BY id`)
      .all(containerId) as AllocationRow[];
  }

  liveForOwner(uid: number): AllocationRow[] {
    return this.db
      .prepare(`SELECT * FROM allocations WHERE owner_uid = ? AND state IN ('active', 'held') ORDER BY id`)
      .all(uid) as AllocationRow[];
  }

  insert(a: {
    slot_uuid: string;
    container_id: string | null;
    owner_uid: number;
    allocated_at: number;
  }): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO allocations (slot_uuid, container_id, owner_uid, state, allocated_at)
           VALUES (@slot_uuid, @container_id, @owner_uid, 'active', @allocated_at)`,
        )
        .run(a).lastInsertRowid,
    );
  }

  hold(id: number, since: number, until: number | null): void {
    this.db
      .prepare(
        `UPDATE allocations SET state = 'held', held_since = ?, hold_until = ? WHERE id = ? AND state = 'active'`,
      )
      .run(since, until, id);
  }

  reactivate(id: number): void {
    this.db
      .prepare(
        `UPDATE allocations SET state = 'active', held_since = NULL, hold_until = NULL WHERE id = ? AND state = 'held'`,
      )
      .run(id);
  }

  get(id: number): AllocationRow | undefined {
    return this.db.prepare('SELECT * FROM allocations WHERE id = ?').get(id) as AllocationRow | undefined;
  }

  liveForSlot(slotUuid: string): AllocationRow | undefined {
    return this.db
      .prepare(`SELECT * FROM allocations WHERE slot_uuid = ? AND state IN ('active', 'held')`)
      .get(slotUuid) as AllocationRow | undefined;
  }

  /** Point live reservations (container_id NULL) on these slots at a container; returns how many moved. */
  attach(slotUuids: readonly string[], containerId: string): number {
    const stmt = this.db.prepare(
      `UPDATE allocations SET container_id = ? WHERE slot_uuid = ? AND container_id IS NULL AND state = 'active'`,
    );
    let n = 0;
    for (const uuid of slotUuids) n += stmt.run(containerId, uuid).changes;
    return n;
  }

  /** Live reservations (no container yet) on these slots. */
  reservationsOn(slotUuids: readonly string[]): AllocationRow[] {
    const stmt = this.db.prepare(
      `SELECT * FROM allocations WHERE slot_uuid = ? AND container_id IS NULL AND state IN ('active', 'held')`,
    );
    return slotUuids.flatMap((u) => stmt.all(u) as AllocationRow[]);
  }

  /** Reservations made before `before` that never got a container (a crash between reserve and attach). */
  staleReservations(before: number): AllocationRow[] {
    return this.db
      .prepare(
        `SELECT * FROM allocations WHERE container_id IS NULL AND state = 'active' AND allocated_at < ? ORDER BY id`,
      )
      .all(before) as AllocationRow[];
  }

  /** Held allocations with a deadline, earliest first. */
  heldWithDeadline(): AllocationRow[] {
    return this.db
      .prepare(
        `SELECT * FROM allocations WHERE state = 'held' AND hold_until IS NOT NULL ORDER BY hold_until, id`,
      )
      .all() as AllocationRow[];
  }

  /** Every slot a container ever held (its Docker config names them), most recent first. */
  slotsEverHeldBy(containerId: string): string[] {
    return (
      this.db
        .prepare(
          `SELECT slot_uuid FROM allocations WHERE container_id = ? GROUP BY slot_uuid ORDER BY max(id) DESC`,
        )
        .all(containerId) as { slot_uuid: string }[]
    ).map((r) => r.slot_uuid);
  }

  /**
   * When the owner was last given a GPU (their latest allocation); null = never. Stable while they wait or
   * release, so queue order does not flip by milliseconds as other users' containers come and go.
   */
  lastGrantAt(uid: number): number | null {
    const r = this.db
      .prepare('SELECT max(allocated_at) AS last FROM allocations WHERE owner_uid = ?')
      .get(uid) as { last: number | null };
    return r.last;
  }

  release(id: number, at: number, reason: string): boolean {
    return (
      this.db
        .prepare(
          `UPDATE allocations SET state = 'released', released_at = ?, release_reason = ? WHERE id = ? AND state IN ('active', 'held')`,
        )
        .run(at, reason, id).changes > 0
    );
  }
}

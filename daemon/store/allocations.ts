// GPU allocations. At most one live (active|held) row per slot — enforced by a partial unique index.
import type { Db } from './db.js';

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
  constructor(private readonly db: Db) {}

  live(): AllocationRow[] {
    return this.db
      .prepare(`SELECT * FROM allocations WHERE state IN ('active', 'held') ORDER BY id`)
      .all() as AllocationRow[];
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

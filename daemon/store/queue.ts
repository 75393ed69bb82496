// The GPU queue: deploy requests waiting for a slot. Rows are never deleted; they end as served, left
// (the owner), removed (an admin) or failed (the deploy went wrong when its turn came).
import type { Db } from './db.js';

export type QueueState = 'waiting' | 'served' | 'left' | 'removed' | 'failed';

export interface QueueRow {
  id: number;
  owner_uid: number;
  owner_name: string;
  /** JSON: { deploy: <the deploy request, opaque here>, gpu: GpuRequest }. */
  request_json: string;
  priority: number;
  enqueued_at: number;
  state: QueueState;
  ended_at: number | null;
  container_id: string | null;
  note: string | null;
}

export class QueueRepo {
  constructor(private readonly db: Db) {}

  insert(e: {
    owner_uid: number;
    owner_name: string;
    request_json: string;
    priority: number;
    enqueued_at: number;
  }): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO queue (owner_uid, owner_name, request_json, priority, enqueued_at, state)
           VALUES (@owner_uid, @owner_name, @request_json, @priority, @enqueued_at, 'waiting')`,
        )
        .run(e).lastInsertRowid,
    );
  }

  get(id: number): QueueRow | undefined {
    return this.db.prepare('SELECT * FROM queue WHERE id = ?').get(id) as QueueRow | undefined;
  }

  waiting(): QueueRow[] {
    return this.db
      .prepare(`SELECT * FROM queue WHERE state = 'waiting' ORDER BY priority DESC, enqueued_at, id`)
      .all() as QueueRow[];
  }

  /** Waiting entries plus those that ended within `sinceMs`, optionally of one owner. */
  recent(since: number, ownerUid?: number): QueueRow[] {
    return this.db
      .prepare(
        `SELECT * FROM queue WHERE (state = 'waiting' OR ended_at >= @since)
           AND (@owner IS NULL OR owner_uid = @owner) ORDER BY id`,
      )
      .all({ since, owner: ownerUid ?? null }) as QueueRow[];
  }

  /** End a waiting entry; false if it was not waiting any more (someone else ended it first). */
  end(
    id: number,
    state: Exclude<QueueState, 'waiting'>,
    at: number,
    note: string | null,
    containerId: string | null = null,
  ): boolean {
    return (
      this.db
        .prepare(
          `UPDATE queue SET state = ?, ended_at = ?, note = ?, container_id = ? WHERE id = ? AND state = 'waiting'`,
        )
        .run(state, at, note, containerId, id).changes > 0
    );
  }

  /** A note on a waiting entry (why it is still waiting). */
  setNote(id: number, note: string | null): void {
    this.db.prepare(`UPDATE queue SET note = ? WHERE id = ? AND state = 'waiting'`).run(note, id);
  }
}

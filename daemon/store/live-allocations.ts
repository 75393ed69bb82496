// The live GPU allocations as the allocator reads them, kept in memory. Every reservation and queue pass
// reads all of them, and making ≈30–56 row objects per read was a quarter of a reservation's time.
// Exact by construction, whoever writes (the database stays the truth):
//  - this connection: TEMP triggers note the id of every allocation row inserted, updated or deleted;
//    the next read re-reads exactly those rows from SQLite, so a statement or savepoint that rolled back
//    is read as it now is, never as the trigger saw it;
//  - other connections (an admin's sqlite3, a test's second handle): PRAGMA data_version changes when
//    another connection commits, and everything is read again;
//  - a transaction that has written allocations may still roll back: reads inside it go to SQLite and
//    are not kept (Store.tx says when a new outermost transaction starts), as TableCache does.
// Even a wrong cache could not put two containers on one slot (the partial unique index on live rows
// refuses the second), but it could miscount a quota: hence exact, not "usually right".
import type { LiveAllocation } from '../gpu/allocator.js';
import type { Db } from './db.js';

/** Past this many changed rows one full read is cheaper than reading each again. */
const REREAD_LIMIT = 32;

const COLUMNS = `id, slot_uuid AS slotUuid, owner_uid AS ownerUid,
  coalesce(container_id, 'reservation:' || id) AS containerId,
  CASE state WHEN 'held' THEN 'held' ELSE 'active' END AS state, held_since AS heldSince`;
const LIVE = `state IN ('active', 'held')`;

type Row = LiveAllocation & { id: number };

export class LiveAllocationsCache {
  /** id → row, while known to match the database this connection sees outside a writing transaction. */
  private rows: Map<number, LiveAllocation> | null = null;
  private list: readonly LiveAllocation[] | null = null;
  /** Rows changed through this connection since they were last read. */
  private readonly changed = new Set<number>();
  private version = -1;
  private writtenInTx = false;

  constructor(private readonly db: Db) {
    db.function('ds01_allocation_changed', { deterministic: false }, (id: unknown) => {
      if (typeof id === 'number' || typeof id === 'bigint') this.changed.add(Number(id));
      else this.rows = null;
      if (db.inTransaction) this.writtenInTx = true;
      return null;
    });
    const ids = { insert: ['NEW.id'], update: ['OLD.id', 'NEW.id'], delete: ['OLD.id'] };
    for (const [op, refs] of Object.entries(ids))
      db.exec(
        `CREATE TEMP TRIGGER IF NOT EXISTS ds01_allocation_changed_${op} AFTER ${op.toUpperCase()}
         ON main.allocations BEGIN SELECT ${refs.map((r) => `ds01_allocation_changed(${r})`).join(', ')}; END`,
      );
  }

  /** Store.tx calls this before an outermost transaction begins. */
  transactionStarts(): void {
    this.writtenInTx = false;
  }

  /** The live allocations, oldest first; frozen, shared by every caller until something changes. */
  get(): readonly LiveAllocation[] {
    // Outside a transaction every write so far has committed or rolled back.
    if (!this.db.inTransaction) this.writtenInTx = false;
    if (this.writtenInTx) return freezeAll(this.readAll());
    const version = (this.db.prepare('PRAGMA data_version').get() as { data_version: number }).data_version;
    if (version !== this.version || this.changed.size > REREAD_LIMIT) this.rows = null;
    if (!this.rows) {
      this.changed.clear();
      this.rows = new Map(this.readAll().map((r) => [r.id, freezeRow(r)]));
      this.version = version;
      this.list = null;
    } else if (this.changed.size) {
      this.reread(this.rows);
    }
    if (!this.list) this.list = Object.freeze([...this.rows.values()]);
    return this.list;
  }

  private reread(rows: Map<number, LiveAllocation>): void {
    const stmt = this.db.prepare(`SELECT ${COLUMNS} FROM allocations WHERE id = ? AND ${LIVE}`);
    let appendedOnly = true;
    let newest = lastKey(rows);
    for (const id of this.changed) {
      const row = stmt.get(id) as Row | undefined;
      if (!row) {
        if (rows.delete(id)) this.list = null;
        continue;
      }
      const had = rows.has(id);
      rows.set(id, freezeRow(row));
      if (!had) {
        if (id < newest) appendedOnly = false;
        else newest = id;
      }
      this.list = null;
    }
    this.changed.clear();
    // A Map keeps insertion order; a row that came back to life below the newest one needs a re-sort.
    if (!appendedOnly) {
      const sorted = [...rows.entries()].sort((a, b) => a[0] - b[0]);
      rows.clear();
      for (const [id, r] of sorted) rows.set(id, r);
    }
  }

  // `ORDER BY +id`: read through the partial index of live rows, then sort (ORDER BY id would scan
  // every allocation ever made).
  private readAll(): Row[] {
    return this.db.prepare(`SELECT ${COLUMNS} FROM allocations WHERE ${LIVE} ORDER BY +id`).all() as Row[];
  }
}

function freezeRow(r: Row): LiveAllocation {
  return Object.freeze({
    slotUuid: r.slotUuid,
    ownerUid: r.ownerUid,
    containerId: r.containerId,
    state: r.state,
    heldSince: r.heldSince,
  });
}

function freezeAll(rows: Row[]): readonly LiveAllocation[] {
  return Object.freeze(rows.map(freezeRow));
}

function lastKey(m: Map<number, unknown>): number {
  let last = Number.NEGATIVE_INFINITY;
  for (const k of m.keys()) last = k;
  return last;
}

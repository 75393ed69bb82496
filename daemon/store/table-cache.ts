// A cached read of a small table that changes rarely but is read on every decision (the GPU slots: every
// reservation and queue pass reads all of them). Invalidated by construction, whoever writes:
//  - this connection: TEMP triggers on the table call back into the cache on every insert, update and
//    delete, whatever code path wrote (a repo added later included);
//  - other connections (an admin's sqlite3, a test's second handle): PRAGMA data_version changes when
//    another connection commits;
//  - rollbacks: rows read inside a transaction after it wrote the table are never cached (they may be
//    rolled back), and Store.tx says when a new outermost transaction starts.
// Rows are frozen: every caller shares them.
import type { Db } from './db.js';

export class TableCache<T extends object> {
  private rows: readonly T[] | null = null;
  private version = -1;
  private writtenInTx = false;

  constructor(
    private readonly db: Db,
    table: string,
    private readonly read: () => T[],
  ) {
    if (!/^[a-z_]+$/.test(table)) throw new Error(`bad table name ${table}`);
    const changed = `ds01_changed_${table}`;
    db.function(changed, { deterministic: false }, () => {
      this.rows = null;
      if (db.inTransaction) this.writtenInTx = true;
      return null;
    });
    for (const op of ['insert', 'update', 'delete'])
      db.exec(
        `CREATE TEMP TRIGGER IF NOT EXISTS ${changed}_${op} AFTER ${op.toUpperCase()} ON main.${table}
         BEGIN SELECT ${changed}(); END`,
      );
  }

  /** Store.tx calls this before an outermost transaction begins. */
  transactionStarts(): void {
    this.writtenInTx = false;
  }

  get(): readonly T[] {
    // Outside a transaction every write so far has committed or rolled back.
    if (!this.db.inTransaction) this.writtenInTx = false;
    const version = (this.db.prepare('PRAGMA data_version').get() as { data_version: number }).data_version;
    if (this.rows && version === this.version) return this.rows;
    const rows = Object.freeze(this.read().map((r) => Object.freeze(r)));
    if (!this.writtenInTx) {
      this.rows = rows;
      this.version = version;
    }
    return rows;
  }
}

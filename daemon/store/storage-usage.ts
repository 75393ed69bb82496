// Each user's last measured storage use (migration 012): bytes, the largest entries, and the quota level
// last told to them (a warning goes out once per crossing: services/quota.ts compares with this).
import type { Largest, QuotaLevel, StorageKind } from '../quota/levels.js';
import type { Db } from './db.js';

export interface StorageUsageRow {
  uid: number;
  kind: StorageKind;
  /** null: the last scan could not measure (timeout, no workspace). */
  bytes: number | null;
  largest: Largest[];
  measured_at: number;
  level: QuotaLevel | null;
}

interface Raw extends Omit<StorageUsageRow, 'largest'> {
  largest_json: string;
}

const row = (r: Raw): StorageUsageRow => {
  const { largest_json, ...rest } = r;
  return { ...rest, largest: JSON.parse(largest_json) as Largest[] };
};

export class StorageUsageRepo {
  constructor(private readonly db: Db) {}

  put(r: StorageUsageRow): void {
    this.db
      .prepare(
        `INSERT INTO storage_usage (uid, kind, bytes, largest_json, measured_at, level)
         VALUES (@uid, @kind, @bytes, @largest_json, @measured_at, @level)
         ON CONFLICT (uid, kind) DO UPDATE SET bytes = excluded.bytes, largest_json = excluded.largest_json,
           measured_at = excluded.measured_at, level = excluded.level`,
      )
      .run({
        uid: r.uid,
        kind: r.kind,
        bytes: r.bytes,
        largest_json: JSON.stringify(r.largest),
        measured_at: r.measured_at,
        level: r.level,
      });
  }

  get(uid: number, kind: StorageKind): StorageUsageRow | undefined {
    const r = this.db.prepare('SELECT * FROM storage_usage WHERE uid = ? AND kind = ?').get(uid, kind) as
      | Raw
      | undefined;
    return r ? row(r) : undefined;
  }

  all(): StorageUsageRow[] {
    return (this.db.prepare('SELECT * FROM storage_usage ORDER BY uid, kind').all() as Raw[]).map(row);
  }
}

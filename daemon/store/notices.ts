// What ds01 told a user about their containers: lifecycle warnings (one row per warning point per
// deadline — the unique index is what makes "each warning once" hold) and notes of automatic actions.
// Unread ones are shown at their next ds01 command or login, then marked shown.
import type { SentWarning } from '../lifecycle/types.js';
import type { Db } from './db.js';

export interface NoticeRow {
  id: number;
  uid: number;
  container_id: string | null;
  container_name: string | null;
  kind: 'warning' | 'action';
  deadline_key: string | null;
  point_ms: number | null;
  deadline_at: number | null;
  message: string;
  created_at: number;
  shown_at: number | null;
}

export type NewNotice = Omit<NoticeRow, 'id' | 'shown_at'>;

export class NoticesRepo {
  constructor(private readonly db: Db) {}

  /** Insert unless this (container, deadline, point) was already recorded; true when inserted. */
  add(n: NewNotice): boolean {
    return (
      this.db
        .prepare(
          `INSERT OR IGNORE INTO notices (uid, container_id, container_name, kind, deadline_key, point_ms, deadline_at,
             message, created_at) VALUES (@uid, @container_id, @container_name, @kind, @deadline_key, @point_ms,
             @deadline_at, @message, @created_at)`,
        )
        .run(n).changes > 0
    );
  }

  /** Warnings sent for one container, as decide() reads them. */
  warningsFor(containerId: string): SentWarning[] {
    return (
      this.db
        .prepare(
          `SELECT deadline_key, point_ms, created_at FROM notices
           WHERE container_id = ? AND kind = 'warning' AND deadline_key IS NOT NULL`,
        )
        .all(containerId) as { deadline_key: string; point_ms: number; created_at: number }[]
    ).map((r) => ({ key: r.deadline_key, pointMs: r.point_ms, at: r.created_at }));
  }

  /** Every container's sent warnings at once (a sweep reads them in one query). */
  allWarnings(): Map<string, SentWarning[]> {
    const out = new Map<string, SentWarning[]>();
    const rows = this.db
      .prepare(
        `SELECT container_id, deadline_key, point_ms, created_at FROM notices
         WHERE kind = 'warning' AND deadline_key IS NOT NULL AND container_id IS NOT NULL`,
      )
      .all() as { container_id: string; deadline_key: string; point_ms: number; created_at: number }[];
    for (const r of rows) {
      const list = out.get(r.container_id) ?? [];
      list.push({ key: r.deadline_key, pointMs: r.point_ms, at: r.created_at });
      out.set(r.container_id, list);
    }
    return out;
  }

  /**
   * A user's notices, newest last: unread only, or also those shown since `since`. Of the warnings for one
   * deadline only the latest point is shown (several points passed at once, or an earlier warning the later
   * one supersedes): the rows stay, as decide() needs them to warn each point once.
   */
  forUser(uid: number, opts: { unreadOnly: boolean; since: number; limit?: number }): NoticeRow[] {
    return this.db
      .prepare(
        `SELECT * FROM (SELECT * FROM notices n WHERE uid = @uid AND created_at >= @since
           ${opts.unreadOnly ? 'AND shown_at IS NULL' : ''}
           AND NOT (kind = 'warning' AND deadline_key IS NOT NULL AND EXISTS (
             SELECT 1 FROM notices later WHERE later.kind = 'warning' AND later.container_id = n.container_id
               AND later.deadline_key = n.deadline_key AND later.point_ms < n.point_ms))
           ORDER BY id DESC LIMIT @limit) ORDER BY id`,
      )
      .all({ uid, since: opts.since, limit: opts.limit ?? 50 }) as NoticeRow[];
  }

  /** Marks them shown, and the warnings they superseded (same container and deadline) with them. */
  markShown(ids: readonly number[], at: number): void {
    const stmt = this.db.prepare('UPDATE notices SET shown_at = ? WHERE id = ? AND shown_at IS NULL');
    const older = this.db.prepare(
      `UPDATE notices SET shown_at = @at WHERE shown_at IS NULL AND kind = 'warning' AND EXISTS (
         SELECT 1 FROM notices shown WHERE shown.id = @id AND shown.kind = 'warning'
           AND shown.container_id = notices.container_id AND shown.deadline_key = notices.deadline_key)`,
    );
    for (const id of ids) {
      stmt.run(at, id);
      older.run({ at, id });
    }
  }

  /** Bounded: notices older than `before` go. */
  prune(before: number): number {
    return this.db.prepare('DELETE FROM notices WHERE created_at < ?').run(before).changes;
  }
}

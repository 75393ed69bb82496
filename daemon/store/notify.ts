// Notifications' two tables: each user's choices (notify_prefs) and the outbox of deliveries not yet made.
import type { Db } from './db.js';

export interface NotifyPrefsRow {
  uid: number;
  email: string | null;
  topics: string[] | null;
  updated_at: number;
}

export interface OutboxRow {
  id: number;
  event_id: number | null;
  /** `user:<uid>` or `channel:<name>`. */
  target: string;
  topic: string;
  subject: string;
  body: string;
  event_json: string;
  created_at: number;
  attempts: number;
  next_at: number;
  last_error: string | null;
}

export type NewOutboxRow = Pick<
  OutboxRow,
  'event_id' | 'target' | 'topic' | 'subject' | 'body' | 'event_json'
>;

export class NotifyPrefsRepo {
  constructor(private readonly db: Db) {}

  get(uid: number): NotifyPrefsRow | undefined {
    const r = this.db.prepare('SELECT * FROM notify_prefs WHERE uid = ?').get(uid) as
      | { uid: number; email: string | null; topics_json: string | null; updated_at: number }
      | undefined;
    if (!r) return undefined;
    return {
      uid: r.uid,
      email: r.email,
      topics: r.topics_json ? (JSON.parse(r.topics_json) as string[]) : null,
      updated_at: r.updated_at,
    };
  }

  set(uid: number, email: string | null, topics: readonly string[] | null, at: number): void {
    this.db
      .prepare(
        `INSERT INTO notify_prefs (uid, email, topics_json, updated_at) VALUES (@uid, @email, @topics, @at)
         ON CONFLICT(uid) DO UPDATE SET email = @email, topics_json = @topics, updated_at = @at`,
      )
      .run({ uid, email, topics: topics ? JSON.stringify(topics) : null, at });
  }
}

export class OutboxRepo {
  private readonly insertStmt;
  private readonly countStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO outbox (event_id, target, topic, subject, body, event_json, created_at, next_at)
       VALUES (@event_id, @target, @topic, @subject, @body, @event_json, @at, @at)`,
    );
    this.countStmt = db.prepare('SELECT count(*) AS n FROM outbox');
  }

  /** Adds the row unless the outbox already holds `max`; false when it was full (the row is dropped). */
  add(row: NewOutboxRow, at: number, max: number): boolean {
    if (this.depth() >= max) return false;
    this.insertStmt.run({ ...row, at });
    return true;
  }

  depth(): number {
    return (this.countStmt.get() as { n: number }).n;
  }

  /** Rows due by `now`, oldest first, leaving out those already being sent. */
  due(now: number, limit: number, busy: ReadonlySet<number>): OutboxRow[] {
    const rows = this.db
      .prepare('SELECT * FROM outbox WHERE next_at <= ? ORDER BY next_at, id LIMIT ?')
      .all(now, limit + busy.size) as OutboxRow[];
    return rows.filter((r) => !busy.has(r.id)).slice(0, limit);
  }

  /** When the next row falls due (null: empty). */
  nextAt(): number | null {
    return (this.db.prepare('SELECT min(next_at) AS t FROM outbox').get() as { t: number | null }).t;
  }

  retryAt(id: number, attempts: number, nextAt: number, error: string): void {
    this.db
      .prepare('UPDATE outbox SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?')
      .run(attempts, nextAt, error, id);
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM outbox WHERE id = ?').run(id);
  }
}

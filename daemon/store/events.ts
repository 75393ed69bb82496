// The append-only audit log. Users see events about their own records (subject) or their own actions.
import type { AuditEvent, EventKind } from '../api/types/events.js';
import type { Db } from './db.js';

export interface NewEvent {
  ts: number;
  actorUid: number | null;
  actorName: string; // 'ds01d' for automatic actions
  subjectUid: number | null;
  containerId?: string | null;
  containerName?: string | null;
  kind: EventKind;
  reason?: string | null;
  data?: Record<string, unknown> | null;
}

export interface EventFilter {
  visibleToUid?: number; // omit for admins
  subjectUid?: number;
  container?: string; // id, id prefix, Docker name, or project name (`thesis` matches `thesis._.<uid>`)
  /** Leave out what a user did not ask about: their own refused probes of admin routes. */
  hideNoise?: boolean;
  kind?: string; // exact, or prefix ending in '.' e.g. 'container.'
  sinceTs?: number;
  untilTs?: number;
  afterId?: number;
  limit?: number;
}

interface Row {
  id: number;
  ts: number;
  actor_uid: number | null;
  actor_name: string;
  subject_uid: number | null;
  container_id: string | null;
  container_name: string | null;
  kind: string;
  reason: string | null;
  data_json: string | null;
}

export function toAuditEvent(r: Row): AuditEvent {
  return {
    id: r.id,
    ts: new Date(r.ts).toISOString(),
    actor: r.actor_name,
    actorUid: r.actor_uid,
    subjectUid: r.subject_uid,
    containerId: r.container_id,
    containerName: r.container_name,
    kind: r.kind,
    reason: r.reason,
    data: r.data_json ? (JSON.parse(r.data_json) as Record<string, unknown>) : null,
  };
}

/** EventsRepo.latestFor's statement (its test checks SQLite plans it through the index). */
export const LATEST_FOR_SQL =
  'SELECT * FROM events WHERE container_id = ? AND kind = ? ORDER BY id DESC LIMIT 1';

export class EventsRepo {
  private readonly insertStmt;
  private listeners = new Set<(e: AuditEvent) => void>();
  private tap: ((e: AuditEvent) => void) | null = null;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO events (ts, actor_uid, actor_name, subject_uid, container_id, container_name, kind, reason, data_json)
       VALUES (@ts, @actorUid, @actorName, @subjectUid, @containerId, @containerName, @kind, @reason, @data)`,
    );
  }

  append(e: NewEvent): AuditEvent {
    const row = {
      ts: e.ts,
      actorUid: e.actorUid,
      actorName: e.actorName,
      subjectUid: e.subjectUid,
      containerId: e.containerId ?? null,
      containerName: e.containerName ?? null,
      kind: e.kind,
      reason: e.reason ?? null,
      data: e.data ? JSON.stringify(e.data) : null,
    };
    const id = Number(this.insertStmt.run(row).lastInsertRowid);
    const event = toAuditEvent({
      id,
      ts: row.ts,
      actor_uid: row.actorUid,
      actor_name: row.actorName,
      subject_uid: row.subjectUid,
      container_id: row.containerId,
      container_name: row.containerName,
      kind: row.kind,
      reason: row.reason,
      data_json: row.data,
    });
    // The tap writes what the event causes (the notification outbox) in the writer's transaction.
    if (this.tap) this.tap(event);
    // Listeners (followers, notifiers) hear it only once it is committed; inside a transaction the
    // caller's commit decides, so defer to the next tick.
    if (this.listeners.size) queueMicrotask(() => this.emit(event));
    return event;
  }

  private emit(e: AuditEvent) {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a broken listener must not break the writer
      }
    }
  }

  /**
   * One synchronous hook run inside append, so what it writes commits or rolls back with the event. It
   * must not throw for ordinary failures (the caller's action would fail with it).
   */
  setTap(tap: ((e: AuditEvent) => void) | null): void {
    this.tap = tap;
  }

  subscribe(listener: (e: AuditEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  query(f: EventFilter): AuditEvent[] {
    const where: string[] = [];
    const args: Record<string, unknown> = {};
    if (f.visibleToUid !== undefined) {
      where.push('(subject_uid = @viewer OR actor_uid = @viewer)');
      args.viewer = f.visibleToUid;
    }
    if (f.subjectUid !== undefined) {
      where.push('subject_uid = @subject');
      args.subject = f.subjectUid;
    }
    if (f.container) {
      where.push(
        `(container_id = @c OR container_name = @c OR container_id LIKE @cprefix OR container_name LIKE @cproject ESCAPE '\\')`,
      );
      args.c = f.container;
      args.cprefix = `${f.container.replace(/[%_]/g, '')}%`;
      // `thesis` → `thesis._.%` with LIKE's wildcards in the name escaped (the separator's `_` too).
      args.cproject = `${f.container.replace(/[\\%_]/g, (m) => `\\${m}`)}.\\_.%`;
    }
    if (f.hideNoise) {
      where.push(`NOT (kind = 'access.denied' AND json_extract(data_json, '$.path') LIKE '/v1/admin/%')`);
    }
    if (f.kind) {
      if (f.kind.endsWith('.')) {
        where.push('substr(kind, 1, length(@kind)) = @kind');
      } else where.push('kind = @kind');
      args.kind = f.kind;
    }
    if (f.sinceTs !== undefined) {
      where.push('ts >= @since');
      args.since = f.sinceTs;
    }
    if (f.untilTs !== undefined) {
      where.push('ts <= @until');
      args.until = f.untilTs;
    }
    if (f.afterId !== undefined) {
      where.push('id > @after');
      args.after = f.afterId;
    }
    const limit = Math.min(Math.max(f.limit ?? 200, 1), 10_000);
    const sql = `SELECT * FROM (SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id DESC LIMIT ${limit}) ORDER BY id ASC`;
    return (this.db.prepare(sql).all(args) as Row[]).map(toAuditEvent);
  }

  /** The newest event of `kind` about the container with this full id (through events_container_kind). */
  latestFor(containerId: string, kind: string): AuditEvent | undefined {
    const row = this.db.prepare(LATEST_FOR_SQL).get(containerId, kind) as Row | undefined;
    return row ? toAuditEvent(row) : undefined;
  }

  lastId(): number {
    return (this.db.prepare('SELECT coalesce(max(id), 0) AS id FROM events').get() as { id: number }).id;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  }
}

// Read-only queries across tables for reports: usage accounting, /metrics, the users report and doctor.
// Nothing here writes.
import type { UsageAllocation, UsageQueueEntry, UsageSample } from '../usage/accounting.js';
import type { Db } from './db.js';

export class ReportQueries {
  constructor(private readonly db: Db) {}

  /** Allocations overlapping [from, to), with the slot's weight; ownerName is null for a bare reservation. */
  allocationsBetween(from: number, to: number, ownerUid?: number): UsageAllocation[] {
    return this.db
      .prepare(
        `SELECT a.owner_uid AS ownerUid,
                c.owner_name AS ownerName,
                a.slot_uuid AS slotUuid, a.container_id AS containerId, s.gpu_equivalents AS gpuEquivalents,
                a.allocated_at AS allocatedAt, a.released_at AS releasedAt
         FROM allocations a JOIN gpu_slots s ON s.uuid = a.slot_uuid
         LEFT JOIN containers c ON c.id = a.container_id
         WHERE a.allocated_at < @to AND (a.released_at IS NULL OR a.released_at > @from)
           AND (@owner IS NULL OR a.owner_uid = @owner)
         ORDER BY a.id`,
      )
      .all({ from, to, owner: ownerUid ?? null }) as UsageAllocation[];
  }

  /** Idle samples of these containers in [from − slack, to). */
  samplesFor(containerIds: readonly string[], from: number, to: number): UsageSample[] {
    const stmt = this.db.prepare(
      `SELECT container_id AS containerId, ts, gpu_util_pct AS gpuUtilPct, gpu_processes AS gpuProcesses
       FROM samples WHERE container_id = ? AND ts >= ? AND ts < ? ORDER BY ts`,
    );
    return [...new Set(containerIds)].flatMap((id) => stmt.all(id, from, to) as UsageSample[]);
  }

  /** Queue entries whose wait overlaps [from, to). */
  queueBetween(from: number, to: number, ownerUid?: number): UsageQueueEntry[] {
    return this.db
      .prepare(
        `SELECT owner_uid AS ownerUid, owner_name AS ownerName, enqueued_at AS enqueuedAt, ended_at AS endedAt, state
         FROM queue WHERE enqueued_at < @to AND (ended_at IS NULL OR ended_at >= @from)
           AND (@owner IS NULL OR owner_uid = @owner) ORDER BY id`,
      )
      .all({ from, to, owner: ownerUid ?? null }) as UsageQueueEntry[];
  }

  servedQueue(): { count: number; waitSecondsSum: number } {
    const r = this.db
      .prepare(
        `SELECT count(*) AS n, coalesce(sum(ended_at - enqueued_at), 0) AS ms FROM queue WHERE state = 'served'`,
      )
      .get() as { n: number; ms: number };
    return { count: r.n, waitSecondsSum: r.ms / 1000 };
  }

  /** Automatic (ds01d) events by kind, for seeding the sweep-action counters. */
  automaticEventCounts(): { kind: string; n: number }[] {
    return this.db
      .prepare(
        `SELECT kind, count(*) AS n FROM events WHERE actor_uid IS NULL AND actor_name = 'ds01d' GROUP BY kind`,
      )
      .all() as { kind: string; n: number }[];
  }

  /** The latest event each user acted in or was the subject of. */
  lastActivity(): Map<number, { ts: number; kind: string }> {
    const rows = this.db
      .prepare(
        `SELECT uid, max(ts) AS ts, kind FROM (
           SELECT actor_uid AS uid, ts, kind FROM events WHERE actor_uid IS NOT NULL
           UNION ALL SELECT subject_uid AS uid, ts, kind FROM events WHERE subject_uid IS NOT NULL)
         GROUP BY uid`,
      )
      .all() as { uid: number; ts: number; kind: string }[];
    return new Map(rows.map((r) => [r.uid, { ts: r.ts, kind: r.kind }]));
  }

  /** `PRAGMA quick_check` and foreign keys: 'ok' or the problems found. */
  integrity(): { ok: boolean; problems: string[] } {
    const quick = (this.db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check);
    const fk = this.db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
    const problems = [
      ...quick.filter((q) => q !== 'ok'),
      ...fk.map((f) => `${f.table} row ${f.rowid} points at a missing ${f.parent}`),
    ];
    return { ok: problems.length === 0, problems };
  }
}

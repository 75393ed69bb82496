// Batch jobs (migration 004). A job's state moves only forward (daemon/jobs/states.ts); every update here
// names the states it may move from, so two paths racing to end a job (its exit event, a cancel, the
// restart check) end it once.
import type { JobState } from '../jobs/states.js';
import type { Db } from './db.js';

export interface JobRow {
  id: number;
  owner_uid: number;
  owner_name: string;
  name: string;
  project: string;
  /** JSON of the validated submit request (image, GPUs, env, workdir, command). */
  request_json: string;
  state: JobState;
  reason: string | null;
  after_id: number | null;
  time_limit_ms: number | null;
  queue_id: number | null;
  container_id: string | null;
  log_path: string;
  submitted_at: number;
  started_at: number | null;
  ended_at: number | null;
  exit_code: number | null;
  /** JSON array of slot UUIDs it ran on. */
  gpu_slots: string | null;
  gpu_equivalents: number;
}

export type NewJob = Pick<
  JobRow,
  | 'owner_uid'
  | 'owner_name'
  | 'name'
  | 'project'
  | 'request_json'
  | 'state'
  | 'after_id'
  | 'time_limit_ms'
  | 'log_path'
  | 'submitted_at'
>;

export class JobsRepo {
  constructor(private readonly db: Db) {}

  insert(j: NewJob): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO jobs (owner_uid, owner_name, name, project, request_json, state, after_id, time_limit_ms, log_path, submitted_at)
           VALUES (@owner_uid, @owner_name, @name, @project, @request_json, @state, @after_id, @time_limit_ms, @log_path, @submitted_at)`,
        )
        .run(j).lastInsertRowid,
    );
  }

  /** Only for a submit refused before anything ran (it never existed for the user). */
  delete(id: number): void {
    this.db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
  }

  setLogPath(id: number, path: string): void {
    this.db.prepare('UPDATE jobs SET log_path = ? WHERE id = ?').run(path, id);
  }

  get(id: number): JobRow | undefined {
    return this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  }

  byContainer(containerId: string): JobRow | undefined {
    return this.db
      .prepare('SELECT * FROM jobs WHERE container_id = ? ORDER BY id DESC LIMIT 1')
      .get(containerId) as JobRow | undefined;
  }

  byQueueEntry(queueId: number): JobRow | undefined {
    return this.db.prepare('SELECT * FROM jobs WHERE queue_id = ?').get(queueId) as JobRow | undefined;
  }

  /** Jobs not yet ended (pending, queued, starting, running). */
  active(): JobRow[] {
    return this.db
      .prepare(`SELECT * FROM jobs WHERE state IN ('pending','queued','starting','running') ORDER BY id`)
      .all() as JobRow[];
  }

  /** Active jobs plus those that ended since `since`, of one owner or all; newest last. */
  list(opts: { ownerUid?: number; since: number; limit: number }): JobRow[] {
    return this.db
      .prepare(
        `SELECT * FROM (SELECT * FROM jobs
           WHERE (@owner IS NULL OR owner_uid = @owner)
             AND (state IN ('pending','queued','starting','running') OR ended_at >= @since)
           ORDER BY id DESC LIMIT @limit) ORDER BY id`,
      )
      .all({ owner: opts.ownerUid ?? null, since: opts.since, limit: opts.limit }) as JobRow[];
  }

  dependants(id: number): JobRow[] {
    return this.db
      .prepare(`SELECT * FROM jobs WHERE after_id = ? AND state = 'pending' ORDER BY id`)
      .all(id) as JobRow[];
  }

  /** Move from one of `from` to `to` with the given fields; false when it was not in `from` any more. */
  transition(
    id: number,
    from: readonly JobState[],
    to: JobState,
    fields: Partial<
      Pick<
        JobRow,
        | 'reason'
        | 'queue_id'
        | 'container_id'
        | 'started_at'
        | 'ended_at'
        | 'exit_code'
        | 'gpu_slots'
        | 'gpu_equivalents'
      >
    > = {},
  ): boolean {
    const sets = ['state = @to', ...Object.keys(fields).map((k) => `${k} = @${k}`)];
    const marks = from.map((_, i) => `@from${i}`);
    const params: Record<string, unknown> = { id, to, ...fields };
    from.forEach((s, i) => {
      params[`from${i}`] = s;
    });
    return (
      this.db
        .prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE id = @id AND state IN (${marks.join(', ')})`)
        .run(params).changes > 0
    );
  }

  /** Running jobs per owner and GPU-hours of ended ones since `since` (usage, metrics). */
  gpuHoursSince(since: number, ownerUid?: number): number {
    const r = this.db
      .prepare(
        `SELECT COALESCE(SUM(gpu_equivalents * (ended_at - started_at)), 0) AS ms FROM jobs
         WHERE started_at IS NOT NULL AND ended_at IS NOT NULL AND ended_at >= @since
           AND (@owner IS NULL OR owner_uid = @owner)`,
      )
      .get({ since, owner: ownerUid ?? null }) as { ms: number };
    return r.ms / 3_600_000;
  }

  /** GPU-hours of ended jobs per owner name (metrics). */
  gpuHoursByUser(): { user: string; hours: number }[] {
    return this.db
      .prepare(
        `SELECT owner_name AS user, SUM(gpu_equivalents * (ended_at - started_at)) / 3600000.0 AS hours
           FROM jobs WHERE started_at IS NOT NULL AND ended_at IS NOT NULL GROUP BY owner_name ORDER BY owner_name`,
      )
      .all() as { user: string; hours: number }[];
  }

  /** Jobs that started before `to` and had not ended by `from`, of one owner or all (usage by job). */
  ranBetween(from: number, to: number, ownerUid?: number): JobRow[] {
    return this.db
      .prepare(
        `SELECT * FROM jobs WHERE started_at IS NOT NULL AND started_at < @to
           AND (ended_at IS NULL OR ended_at >= @from) AND (@owner IS NULL OR owner_uid = @owner) ORDER BY id`,
      )
      .all({ from, to, owner: ownerUid ?? null }) as JobRow[];
  }

  countByState(): Record<string, number> {
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as {
      state: string;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }
}

// MIG reconfiguration changes and their step log (migration 006). One open change per GPU; the state is the
// step ds01d runs next. Call the writers inside a transaction.
import type { Db } from './db.js';

export const MIG_STEPS = ['draining', 'waiting', 'reconfiguring', 'verifying', 'undraining'] as const;
export type MigStep = (typeof MIG_STEPS)[number];
export type MigChangeState = MigStep | 'done' | 'failed' | 'cancelled';

export interface MigChangeRow {
  id: number;
  gpu_uuid: string;
  gpu_index: number;
  model: string;
  plan_json: string;
  state: MigChangeState;
  failed_step: MigStep | null;
  error: string | null;
  deadline: number;
  requested_by: string;
  requested_uid: number;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  holders_stopped: 0 | 1;
}

export interface MigStepRow {
  id: number;
  change_id: number;
  step: string;
  outcome: 'started' | 'done' | 'failed' | 'note';
  detail: string;
  at: number;
}

export type NewMigChange = Pick<
  MigChangeRow,
  'gpu_uuid' | 'gpu_index' | 'model' | 'plan_json' | 'deadline' | 'requested_by' | 'requested_uid'
>;

export class MigChangesRepo {
  constructor(private readonly db: Db) {}

  add(c: NewMigChange, now: number): number {
    const r = this.db
      .prepare(
        `INSERT INTO mig_changes (gpu_uuid, gpu_index, model, plan_json, state, deadline, requested_by, requested_uid,
           created_at, updated_at)
         VALUES (@gpu_uuid, @gpu_index, @model, @plan_json, 'draining', @deadline, @requested_by, @requested_uid, @now, @now)`,
      )
      .run({ ...c, now });
    return Number(r.lastInsertRowid);
  }

  get(id: number): MigChangeRow | undefined {
    return this.db.prepare('SELECT * FROM mig_changes WHERE id = ?').get(id) as MigChangeRow | undefined;
  }

  /** Not done and not cancelled: running, waiting, or failed (the GPU stays drained). */
  open(): MigChangeRow[] {
    return this.db
      .prepare(`SELECT * FROM mig_changes WHERE state NOT IN ('done', 'cancelled') ORDER BY id`)
      .all() as MigChangeRow[];
  }

  openForGpu(gpuUuid: string): MigChangeRow | undefined {
    return this.db
      .prepare(`SELECT * FROM mig_changes WHERE gpu_uuid = ? AND state NOT IN ('done', 'cancelled')`)
      .get(gpuUuid) as MigChangeRow | undefined;
  }

  recent(limit: number): MigChangeRow[] {
    return this.db.prepare('SELECT * FROM mig_changes ORDER BY id DESC LIMIT ?').all(limit) as MigChangeRow[];
  }

  setState(id: number, state: MigChangeState, now: number): void {
    this.db
      .prepare(
        `UPDATE mig_changes SET state = @state, updated_at = @now,
           finished_at = CASE WHEN @state IN ('done', 'cancelled') THEN @now ELSE NULL END,
           failed_step = CASE WHEN @state = 'failed' THEN failed_step ELSE NULL END,
           error = CASE WHEN @state = 'failed' THEN error ELSE NULL END
         WHERE id = @id`,
      )
      .run({ id, state, now });
  }

  fail(id: number, step: MigStep, error: string, now: number): void {
    this.db
      .prepare(
        `UPDATE mig_changes SET state = 'failed', failed_step = @step, error = @error, updated_at = @now WHERE id = @id`,
      )
      .run({ id, step, error, now });
  }

  setDeadline(id: number, deadline: number, now: number): void {
    this.db
      .prepare('UPDATE mig_changes SET deadline = ?, updated_at = ? WHERE id = ?')
      .run(deadline, now, id);
  }

  markHoldersStopped(id: number, now: number): void {
    this.db.prepare('UPDATE mig_changes SET holders_stopped = 1, updated_at = ? WHERE id = ?').run(now, id);
  }

  log(changeId: number, step: string, outcome: MigStepRow['outcome'], detail: string, now: number): void {
    this.db
      .prepare('INSERT INTO mig_change_steps (change_id, step, outcome, detail, at) VALUES (?, ?, ?, ?, ?)')
      .run(changeId, step, outcome, detail, now);
  }

  steps(changeId: number): MigStepRow[] {
    return this.db
      .prepare('SELECT * FROM mig_change_steps WHERE change_id = ? ORDER BY id')
      .all(changeId) as MigStepRow[];
  }
}

// The Slurm jobs this node runs: which ds01 job runs each, on which slots (migration 010).
import type { Db } from './db.js';

export interface SlurmJobRow {
  slurm_job_id: number;
  job_id: number;
  node: string;
  /** JSON array of slot UUIDs, in the order Slurm listed them. */
  slots: string;
  created_at: number;
}

export class SlurmJobsRepo {
  constructor(private readonly db: Db) {}

  insert(r: SlurmJobRow): void {
    this.db
      .prepare(
        'INSERT INTO slurm_jobs (slurm_job_id, job_id, node, slots, created_at) VALUES (@slurm_job_id, @job_id, @node, @slots, @created_at)',
      )
      .run(r);
  }

  bySlurmId(id: number): SlurmJobRow | undefined {
    return this.db.prepare('SELECT * FROM slurm_jobs WHERE slurm_job_id = ?').get(id) as
      | SlurmJobRow
      | undefined;
  }

  byJob(jobId: number): SlurmJobRow | undefined {
    return this.db.prepare('SELECT * FROM slurm_jobs WHERE job_id = ?').get(jobId) as SlurmJobRow | undefined;
  }

  /** The slots Slurm assigned a job and its container's name (unique in the cluster: Slurm's id). */
  placementOf(jobId: number): { slots: string[]; name: string } | null {
    const r = this.byJob(jobId);
    return r ? { slots: JSON.parse(r.slots) as string[], name: `slurm-${r.slurm_job_id}` } : null;
  }
}

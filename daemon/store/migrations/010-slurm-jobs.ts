import type { Migration } from './index.js';

// Slurm jobs this node runs (issue 24, docs/cluster.md): the Slurm job id, the ds01 job that runs it
// here, and the slots Slurm assigned (as `scontrol show job -d` said when the prolog asked). One row per
// Slurm job: a second prolog for the same id finds it and starts nothing twice.
export const m010SlurmJobs: Migration = {
  version: 10,
  name: 'slurm-jobs',
  sql: `
CREATE TABLE slurm_jobs (
  slurm_job_id INTEGER PRIMARY KEY,
  job_id       INTEGER NOT NULL UNIQUE REFERENCES jobs(id) ON DELETE CASCADE,
  node         TEXT NOT NULL,
  slots        TEXT NOT NULL,
  created_at   INTEGER NOT NULL
) STRICT;
`,
};

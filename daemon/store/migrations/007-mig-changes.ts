import type { Migration } from './index.js';

// MIG reconfiguration (issue 22): one row per GPU change, moved through its steps by ds01d. `state` is the
// step to run next and is written before that step runs, so a restart (or kill -9) runs it again: every
// step is idempotent. At most one unfinished change per GPU (failed ones included: a failed GPU stays
// drained until an admin retries or cancels, never forgotten). The step log says what ran, when, and how.
export const m007MigChanges: Migration = {
  version: 7,
  name: 'mig-changes',
  sql: `
CREATE TABLE mig_changes (
  id             INTEGER PRIMARY KEY,
  gpu_uuid       TEXT NOT NULL,
  gpu_index      INTEGER NOT NULL,
  model          TEXT NOT NULL,
  plan_json      TEXT NOT NULL,             -- desired profiles, instances kept/destroyed, creation order
  state          TEXT NOT NULL CHECK (state IN
                   ('draining', 'waiting', 'reconfiguring', 'verifying', 'undraining', 'done', 'failed', 'cancelled')),
  failed_step    TEXT,
  error          TEXT,
  deadline       INTEGER NOT NULL,          -- holders of affected slots are stopped at this time
  requested_by   TEXT NOT NULL,
  requested_uid  INTEGER NOT NULL,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  finished_at    INTEGER,
  holders_stopped INTEGER NOT NULL DEFAULT 0 CHECK (holders_stopped IN (0, 1))
) STRICT;
CREATE UNIQUE INDEX mig_changes_one_open_per_gpu ON mig_changes(gpu_uuid) WHERE state NOT IN ('done', 'cancelled');

CREATE TABLE mig_change_steps (
  id         INTEGER PRIMARY KEY,
  change_id  INTEGER NOT NULL REFERENCES mig_changes(id),
  step       TEXT NOT NULL,
  outcome    TEXT NOT NULL CHECK (outcome IN ('started', 'done', 'failed', 'note')),
  detail     TEXT NOT NULL,
  at         INTEGER NOT NULL
) STRICT;
CREATE INDEX mig_change_steps_change ON mig_change_steps(change_id, id);
`,
};

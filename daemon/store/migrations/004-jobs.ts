import type { Migration } from './index.js';

// Batch jobs (issue 16): a command run unattended in a container of the user's. Rows are never deleted
// (except a submit refused before anything ran); a job ends completed, failed, cancelled, timed_out or lost.
export const m004Jobs: Migration = {
  version: 4,
  name: 'jobs',
  sql: `
CREATE TABLE jobs (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  owner_uid      INTEGER NOT NULL,
  owner_name     TEXT NOT NULL,
  name           TEXT NOT NULL,
  project        TEXT NOT NULL,
  request_json   TEXT NOT NULL,
  state          TEXT NOT NULL,
  reason         TEXT,
  after_id       INTEGER REFERENCES jobs(id),
  time_limit_ms  INTEGER,
  queue_id       INTEGER,
  container_id   TEXT,
  log_path       TEXT NOT NULL,
  submitted_at   INTEGER NOT NULL,
  started_at     INTEGER,
  ended_at       INTEGER,
  exit_code      INTEGER,
  gpu_slots      TEXT,
  gpu_equivalents REAL NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX jobs_owner ON jobs(owner_uid, id);
CREATE INDEX jobs_state ON jobs(state);
CREATE INDEX jobs_container ON jobs(container_id);
CREATE INDEX jobs_after ON jobs(after_id);
`,
};

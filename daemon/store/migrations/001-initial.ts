import type { Migration } from './index.js';

// Times are epoch milliseconds (INTEGER). Rows are never deleted where history matters (containers,
// allocations, queue, events): they change state instead.
export const m001Initial: Migration = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE gpu_slots (
  uuid             TEXT PRIMARY KEY,
  parent_uuid      TEXT NOT NULL,
  gpu_index        INTEGER NOT NULL,
  gpu_name         TEXT NOT NULL DEFAULT '',
  kind             TEXT NOT NULL CHECK (kind IN ('full', 'mig')),
  profile          TEXT,
  mig_device_index INTEGER,
  gi               INTEGER,
  ci               INTEGER,
  memory_mib       INTEGER,
  compute_slices   INTEGER NOT NULL,
  gpu_equivalents  REAL NOT NULL CHECK (gpu_equivalents > 0 AND gpu_equivalents <= 1),
  state            TEXT NOT NULL DEFAULT 'available' CHECK (state IN ('available', 'drained', 'missing')),
  drained          INTEGER NOT NULL DEFAULT 0 CHECK (drained IN (0, 1)),
  drain_reason     TEXT,
  first_seen       INTEGER NOT NULL,
  last_seen        INTEGER NOT NULL
) STRICT;

CREATE TABLE containers (
  id          TEXT PRIMARY KEY,             -- Docker id; containers are found by it, never by name
  name        TEXT NOT NULL,                -- Docker name <project>._.<uid>
  project     TEXT NOT NULL,
  owner_uid   INTEGER NOT NULL,
  owner_name  TEXT NOT NULL,
  image       TEXT NOT NULL,
  state       TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  started_at  INTEGER,
  stopped_at  INTEGER,
  removed_at  INTEGER,
  runtime_ms  INTEGER NOT NULL DEFAULT 0,   -- accumulated over every run, survives restarts
  limits_json TEXT,                         -- limits applied at creation
  extensions  INTEGER NOT NULL DEFAULT 0,
  origin      TEXT NOT NULL DEFAULT 'ds01' CHECK (origin IN ('ds01', 'adopted'))
) STRICT;
CREATE UNIQUE INDEX containers_live_name ON containers(name) WHERE removed_at IS NULL;
CREATE INDEX containers_owner ON containers(owner_uid, removed_at);

CREATE TABLE allocations (
  id             INTEGER PRIMARY KEY,
  slot_uuid      TEXT NOT NULL REFERENCES gpu_slots(uuid),
  container_id   TEXT REFERENCES containers(id),
  owner_uid      INTEGER NOT NULL,
  state          TEXT NOT NULL CHECK (state IN ('active', 'held', 'released')),
  allocated_at   INTEGER NOT NULL,
  held_since     INTEGER,
  hold_until     INTEGER,                  -- NULL while held = until removed
  released_at    INTEGER,
  release_reason TEXT
) STRICT;
-- The database itself forbids a double allocation: one live (active or held) row per slot.
CREATE UNIQUE INDEX allocations_one_live_per_slot ON allocations(slot_uuid) WHERE state IN ('active', 'held');
CREATE INDEX allocations_container ON allocations(container_id);
CREATE INDEX allocations_owner ON allocations(owner_uid, state);

CREATE TABLE queue (
  id           INTEGER PRIMARY KEY,
  owner_uid    INTEGER NOT NULL,
  owner_name   TEXT NOT NULL,
  request_json TEXT NOT NULL,
  priority     INTEGER NOT NULL,
  enqueued_at  INTEGER NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('waiting', 'served', 'left', 'removed', 'failed')),
  ended_at     INTEGER,
  container_id TEXT,
  note         TEXT
) STRICT;
CREATE INDEX queue_waiting ON queue(state, priority, enqueued_at);

-- Append-only audit: who did what to whose record, and why.
CREATE TABLE events (
  id             INTEGER PRIMARY KEY,
  ts             INTEGER NOT NULL,
  actor_uid      INTEGER,
  actor_name     TEXT NOT NULL,
  subject_uid    INTEGER,
  container_id   TEXT,
  container_name TEXT,
  kind           TEXT NOT NULL,
  reason         TEXT,
  data_json      TEXT
) STRICT;
CREATE INDEX events_subject ON events(subject_uid, id);
CREATE INDEX events_ts ON events(ts);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

-- Idle signals per container; bounded retention (pruned by the lifecycle loop).
CREATE TABLE samples (
  container_id      TEXT NOT NULL,
  ts                INTEGER NOT NULL,
  gpu_util_pct      REAL,
  gpu_processes     INTEGER,
  cpu_pct           REAL,
  net_bytes_per_sec REAL,
  sessions          INTEGER,
  PRIMARY KEY (container_id, ts)
) STRICT;
`,
};

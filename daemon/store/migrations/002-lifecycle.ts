import type { Migration } from './index.js';

// Lifecycle bookkeeping: Docker's raw counters on each sample (CPU % and network rate are computed between
// consecutive samples), the start of the quiet run a sample belongs to (so pruning old samples never resets
// an idle clock), how much `container-extend` added, and the notices sent to users — one row per warning
// point per deadline, which is what makes "each warning once" hold across sweeps and restarts.
export const m002Lifecycle: Migration = {
  version: 2,
  name: 'lifecycle',
  sql: `
ALTER TABLE samples ADD COLUMN cpu_usage_ns REAL;
ALTER TABLE samples ADD COLUMN system_cpu_ns REAL;
ALTER TABLE samples ADD COLUMN online_cpus INTEGER;
ALTER TABLE samples ADD COLUMN net_rx_bytes REAL;
ALTER TABLE samples ADD COLUMN net_tx_bytes REAL;
ALTER TABLE samples ADD COLUMN quiet_since INTEGER;
CREATE INDEX samples_ts ON samples(ts);

ALTER TABLE containers ADD COLUMN extension_ms INTEGER NOT NULL DEFAULT 0;

CREATE TABLE notices (
  id             INTEGER PRIMARY KEY,
  uid            INTEGER NOT NULL,
  container_id   TEXT,
  container_name TEXT,
  kind           TEXT NOT NULL CHECK (kind IN ('warning', 'action')),
  deadline_key   TEXT,                -- e.g. idle:<since>; with point_ms, one warning per point per deadline
  point_ms       INTEGER,
  deadline_at    INTEGER,
  message        TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  shown_at       INTEGER              -- set once shown at login or at a ds01 command
) STRICT;
CREATE UNIQUE INDEX notices_once ON notices(container_id, deadline_key, point_ms) WHERE deadline_key IS NOT NULL;
CREATE INDEX notices_unread ON notices(uid, shown_at, id);
`,
};

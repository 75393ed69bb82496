import type { Migration } from './index.js';

// Hourly usage rollups (issue 13): raw samples are pruned after hours, so before a sample is deleted the
// time it speaks for is added here, per container and hour: measured and busy milliseconds. Kept for
// policies.usage_retention; `ds01 usage` reads them for hours whose samples are gone.
export const m005UsageRollups: Migration = {
  version: 5,
  name: 'usage-rollups',
  sql: `
CREATE TABLE usage_rollups (
  container_id TEXT NOT NULL,
  hour         INTEGER NOT NULL,
  measured_ms  INTEGER NOT NULL,
  busy_ms      INTEGER NOT NULL,
  PRIMARY KEY (container_id, hour)
) STRICT;
CREATE INDEX usage_rollups_hour ON usage_rollups(hour);
`,
};

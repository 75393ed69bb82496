import type { Migration } from './index.js';

// GPU health from nvidia-smi -q -x and probe presence (issue 18): per GPU, the conditions found at the last
// probe (JSON HealthFinding[], gpu/health.ts) and the bad probes in a row of a failing GPU (vanished,
// answering with errors), which drain it at UNHEALTHY_PROBES; a row only while something is wrong.
// health_blocks on its slots keeps a failing/fatal GPU from being handed out (the allocator reads 'busy').
export const m011GpuHealth: Migration = {
  version: 11,
  name: 'gpu-health',
  sql: `
CREATE TABLE gpu_health (
  gpu_uuid      TEXT PRIMARY KEY,
  gpu_index     INTEGER NOT NULL,
  findings_json TEXT NOT NULL,
  bad_probes    INTEGER NOT NULL DEFAULT 0,
  since         INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
) STRICT;
ALTER TABLE gpu_slots ADD COLUMN health_blocks INTEGER NOT NULL DEFAULT 0;
`,
};

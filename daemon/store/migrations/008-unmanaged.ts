import type { Migration } from './index.js';

// GPU processes outside ds01 (issue 18): the unmanaged processes last seen on each slot (JSON list, null =
// none), and whether they keep the slot from being handed out (the policy's gpu_allocation.allow_unmanaged).
export const m008Unmanaged: Migration = {
  version: 8,
  name: 'unmanaged',
  sql: `
ALTER TABLE gpu_slots ADD COLUMN unmanaged_json TEXT;
ALTER TABLE gpu_slots ADD COLUMN unmanaged_blocks INTEGER NOT NULL DEFAULT 0;
`,
};

import type { Migration } from './index.js';

// Storage quotas (issue 21): each user's last measured workspace and image use, the largest entries then,
// and the quota level last told to them, so a warning is sent once per crossing, across restarts too.
export const m012StorageUsage: Migration = {
  version: 12,
  name: 'storage-usage',
  sql: `
CREATE TABLE storage_usage (
  uid          INTEGER NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('workspace', 'images')),
  bytes        INTEGER,
  largest_json TEXT NOT NULL DEFAULT '[]',
  measured_at  INTEGER NOT NULL,
  level        TEXT CHECK (level IN ('ok', 'soft', 'hard')),
  PRIMARY KEY (uid, kind)
) STRICT;
`,
};

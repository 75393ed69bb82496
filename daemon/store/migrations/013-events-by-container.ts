import type { Migration } from './index.js';

// A container's latest event of a kind, found through an index (issue 20's soak): container-list asks who
// stopped each stopped container, and without this index SQLite walked the audit log back from its newest
// row to that container's event — the whole log for a container that exited on its own — so list answers
// slowed down as the log grew (p99 308 → 1,641 ms over a 75-min soak).
export const m013EventsByContainer: Migration = {
  version: 13,
  name: 'events-by-container',
  sql: `
CREATE INDEX events_container_kind ON events(container_id, kind, id);
`,
};

import type { Migration } from './index.js';

// Notifications (issue 18): each user's choices, and the outbox. An outbox row is written in the same
// transaction as the event that causes it (EventsRepo's tap), so a rolled-back action notifies nobody and
// a committed one is delivered even across a restart. Rows leave when delivered or given up.
export const m006Notifications: Migration = {
  version: 6,
  name: 'notifications',
  sql: `
CREATE TABLE notify_prefs (
  uid         INTEGER PRIMARY KEY,
  email       TEXT,
  topics_json TEXT,
  updated_at  INTEGER NOT NULL
) STRICT;
CREATE TABLE outbox (
  id         INTEGER PRIMARY KEY,
  event_id   INTEGER,
  target     TEXT NOT NULL,
  topic      TEXT NOT NULL,
  subject    TEXT NOT NULL,
  body       TEXT NOT NULL,
  event_json TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0,
  next_at    INTEGER NOT NULL,
  last_error TEXT
) STRICT;
CREATE INDEX outbox_next ON outbox(next_at);
`,
};

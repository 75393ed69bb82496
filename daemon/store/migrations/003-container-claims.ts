import type { Migration } from './index.js';

// A create in flight holds a claim on its Docker name from the moment its quota is checked until its
// container row is written (or the create fails): the quota check counts live containers plus claims in one
// BEGIN IMMEDIATE transaction, so concurrent deploys can never all pass a check made before any of them was
// recorded. Claims do not outlive the process that made them (cleared at start).
export const m003ContainerClaims: Migration = {
  version: 3,
  name: 'container-claims',
  sql: `
CREATE TABLE container_claims (
  docker_name TEXT PRIMARY KEY,
  owner_uid   INTEGER NOT NULL,
  claimed_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX container_claims_owner ON container_claims(owner_uid);
`,
};

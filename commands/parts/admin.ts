// Part of the command tree (tree.ts; names.ts PART_NOUNS): `admin …`, `dashboard`, `usage`, `doctor`.
// Also the entry of the part's own bundle: bin/ds01.ts runs `runPart(part, …)` from it.
import { addAdminCommands } from '../admin-cli.js';
import { addLifecycleCommands } from '../lifecycle-cli.js';
import { PART_NOUNS } from '../names.js';
import type { Part } from '../tree.js';

export { runPart, warmLine } from '../tree.js';

export const part: Part = {
  nouns: PART_NOUNS.admin,
  register(program, ctx, act, signal) {
    addLifecycleCommands(program, ctx, act); // admin sweep first, as `ds01 admin --help` lists it
    addAdminCommands(program, ctx, act, signal);
  },
};

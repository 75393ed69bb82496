// Part of the command tree (tree.ts; names.ts PART_NOUNS): `notices`.
// Also the entry of the part's own bundle: bin/ds01.ts runs `runPart(part, …)` from it.
import { addLifecycleCommands } from '../lifecycle-cli.js';
import { PART_NOUNS } from '../names.js';
import type { Part } from '../tree.js';

export { runPart, warmLine } from '../tree.js';

export const part: Part = {
  nouns: PART_NOUNS.notices,
  register(program, ctx, act) {
    addLifecycleCommands(program, ctx, act);
  },
};

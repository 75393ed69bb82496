// Part of the command tree (tree.ts; names.ts PART_NOUNS): `notify …`.
// Also the entry of the part's own bundle: bin/ds01.ts runs `runPart(part, …)` from it.

import { PART_NOUNS } from '../names.js';
import { addNotifyCommands } from '../notify-cli.js';
import type { Part } from '../tree.js';

export { runPart, warmLine } from '../tree.js';

export const part: Part = {
  nouns: PART_NOUNS.notify,
  register(program, ctx, act) {
    addNotifyCommands(program, ctx, act);
  },
};

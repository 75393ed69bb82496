// Part of the command tree (tree.ts; names.ts PART_NOUNS): `ssh-proxy`, `ssh-config`, `jupyter`, `ports`.
// Also the entry of the part's own bundle: bin/ds01.ts runs `runPart(part, …)` from it.
import { addAccessCommands } from '../access-cli.js';
import { PART_NOUNS } from '../names.js';
import type { Part } from '../tree.js';

export { runPart, warmLine } from '../tree.js';

export const part: Part = {
  nouns: PART_NOUNS.access,
  register(program, ctx, act) {
    addAccessCommands(program, ctx, act);
  },
};

// Part of the command tree (tree.ts; names.ts PART_NOUNS): `gpu …` and `queue …` (gpu-avail, gpu-queue).
// Also the entry of the part's own bundle: bin/ds01.ts runs `runPart(part, …)` from it.
import { addGpuCommands } from '../gpu-cli.js';
import { PART_NOUNS } from '../names.js';
import type { Part } from '../tree.js';

export { runPart, warmLine } from '../tree.js';

export const part: Part = {
  nouns: PART_NOUNS.gpu,
  register(program, ctx, act) {
    addGpuCommands(program, ctx, act);
  },
};

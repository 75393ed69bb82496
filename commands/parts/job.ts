// Part of the command tree (tree.ts; names.ts PART_NOUNS): `job …`, with the cluster's `job slurm-wait`.
// Also the entry of the part's own bundle: bin/ds01.ts runs `runPart(part, …)` from it.
import { addClusterCommands } from '../cluster-cli.js';
import { addJobCommands } from '../jobs-cli.js';
import { PART_NOUNS } from '../names.js';
import type { Part } from '../tree.js';

export { runPart, warmLine } from '../tree.js';

export const part: Part = {
  nouns: PART_NOUNS.job,
  register(program, ctx, act, signal) {
    addJobCommands(program, ctx, act, signal);
    addClusterCommands(program, ctx, act, signal); // job slurm-wait
  },
};

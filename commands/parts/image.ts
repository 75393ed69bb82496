// Part of the command tree (tree.ts; names.ts PART_NOUNS): `image …`, `project …`, `user setup`.
// No bundle of its own: `user setup` runs `container deploy`, so these run on the whole tree (cli.ts).

import { PART_NOUNS } from '../names.js';
import type { Part } from '../tree.js';
import { addImageCommands } from '../user/image-commands.js';

export const part: Part = {
  nouns: PART_NOUNS.image,
  register(program, ctx, act, _signal, run) {
    addImageCommands(program, ctx, act, run);
  },
};

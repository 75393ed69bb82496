// Part of the command tree (tree.ts; names.ts PART_NOUNS): `container …` (container-list, …).
// Also the entry of the part's own bundle: bin/ds01.ts runs `runPart(part, …)` from it.

import { withLeafFlags } from '../leaves.js';
import { addLifecycleCommands } from '../lifecycle-cli.js';
import { PART_NOUNS } from '../names.js';
import type { Part } from '../tree.js';
import { addContainerCommands } from '../user/container-commands.js';
import { runContainerList } from '../user/container-list.js';

export { runPart, warmLine } from '../tree.js';

export const part: Part = {
  nouns: PART_NOUNS.container,
  register(program, ctx, act, signal) {
    const container = program.command('container').description('your containers');
    withLeafFlags(
      container.command('list').alias('ls').description('list your containers'),
      'container list',
    ).action(act((o: { json?: boolean; all?: boolean }) => runContainerList(ctx, o)));
    addContainerCommands(container, ctx, act, signal);
    // container why|extend (lifecycle-cli.ts adds `notices` and `admin sweep` too, in their own parts)
    addLifecycleCommands(program, ctx, act);
  },
};

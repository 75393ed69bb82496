// Part of the command tree (tree.ts; names.ts PART_NOUNS): `limits` (check-limits), `config …`.
// Also the entry of the part's own bundle: bin/ds01.ts runs `runPart(part, …)` from it.
import { runConfigCheck, runConfigReload } from '../admin/config.js';
import { withLeafFlags } from '../leaves.js';
import { PART_NOUNS } from '../names.js';
import type { Part } from '../tree.js';
import { runCheckLimits, runConfigExplain } from '../user/check-limits.js';

export { runPart, warmLine } from '../tree.js';

export const part: Part = {
  nouns: PART_NOUNS.limits,
  register(program, ctx, act) {
    withLeafFlags(
      program
        .command('limits [user]')
        .description(
          'your effective limits, where each comes from, and your use against them (admins: any user)',
        ),
      'limits',
    ).action(act((user: string | undefined, o: { json?: boolean }) => runCheckLimits(ctx, user, o)));

    const config = program.command('config').description('the policy file (admins)');
    config
      .command('explain <user>')
      .description('the limits a user gets and which part of the policy each comes from')
      .option('--json', 'machine-readable output ({user, text}; `ds01 limits USER --json` has every value)')
      .action(act((user: string, o: { json?: boolean }) => runConfigExplain(ctx, user, o)));
    config
      .command('check [file]')
      .description('validate a resource-limits.yaml with the daemon’s own rules (exit 1 on error)')
      .option('--json', 'machine-readable output')
      .action(act((file: string | undefined, o: { json?: boolean }) => runConfigCheck(ctx, file, o)));
    config
      .command('reload')
      .description('reload the policy now (the daemon also watches the file)')
      .option('--json', 'machine-readable output')
      .action(act((o: { json?: boolean }) => runConfigReload(ctx, o)));
  },
};

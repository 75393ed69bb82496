// `ds01 quota`: storage against the policy's storage_* quotas (issue 21).
import type { Command } from 'commander';
import type { Ctx } from './lib/context.js';
import { type QuotaOpts, runQuota } from './user/quota.js';

type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

export function addQuotaCommands(program: Command, ctx: Ctx, act: Act): void {
  program
    .command('quota')
    .description(
      'your ~/workspace and image storage against your quotas, and what is largest (admins: anyone)',
    )
    .option('--refresh', 'measure now and wait for it (after deleting files)')
    .option('--user <name>', "admins: another user's storage")
    .option('--all', 'admins: every user ds01 knows')
    .option('--json', 'machine-readable output (--all: a list)')
    .action(act((o: QuotaOpts) => runQuota(ctx, o)));
}

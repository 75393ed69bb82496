// Lifecycle commands, registered on the command tree by cli.ts: `container why|extend` (also
// `container-why`, `container-extend`), `notices [--login]`, `admin sweep [--dry-run]`.
import type { Command } from 'commander';
import { runAdminSweep } from './admin/sweep.js';
import type { Ctx } from './lib/context.js';
import { runContainerExtend } from './user/container-extend.js';
import { runContainerWhy } from './user/container-why.js';
import { runNotices } from './user/notices.js';

type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;
type Json = { json?: boolean };

const group = (program: Command, name: string, description: string) =>
  program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);

export function addLifecycleCommands(program: Command, ctx: Ctx, act: Act): void {
  const container = group(program, 'container', 'your containers');
  container
    .command('why <name>')
    .description('its activity, the idle thresholds, the next deadline and what happens then, in plain words')
    .option('--json', 'machine-readable output')
    .action(act((name: string, o: Json) => runContainerWhy(ctx, name, o)));
  container
    .command('extend <name> [duration]')
    .description('push its max runtime back (default: the most the policy allows per extension)')
    .option('--json', 'machine-readable output')
    .action(
      act((name: string, duration: string | undefined, o: Json) =>
        runContainerExtend(ctx, name, duration, o),
      ),
    );

  program
    .command('notices')
    .description('warnings and automatic actions about your containers (unread; --all: last 7 days)')
    .option('--all', 'also notices already shown')
    .option('--login', 'for the login banner: unread only, quiet on errors, always exit 0')
    .option('--json', 'machine-readable output')
    .action(act((o: { all?: boolean; login?: boolean; json?: boolean }) => runNotices(ctx, o)));

  const admin = group(program, 'admin', 'admin actions');
  admin
    .command('sweep')
    .description('run the lifecycle sweep now and show what it did (or, with --dry-run, would do) and why')
    .option('--dry-run', 'decide only; change nothing')
    .option('-a, --all', 'list every container, not only those with something scheduled')
    .option('--json', 'machine-readable output')
    .action(act((o: { dryRun?: boolean; all?: boolean; json?: boolean }) => runAdminSweep(ctx, o)));
}

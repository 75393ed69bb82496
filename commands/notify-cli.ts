// `ds01 notify …`: registered on the command tree by cli.ts.
import type { Command } from 'commander';
import { USER_TOPICS } from '../daemon/api/types/notify-topics.js';
import type { Ctx } from './lib/context.js';
import { runNotifySet, runNotifyShow, runNotifyTest } from './user/notify.js';

type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

export function addNotifyCommands(program: Command, ctx: Ctx, act: Act): void {
  const notify = program.command('notify').description('what ds01 e-mails you about, and where');
  notify
    .command('show', { isDefault: true })
    .description('your e-mail address for ds01 and the topics that reach you')
    .option('--json', 'machine-readable output')
    .action(act((o: { json?: boolean }) => runNotifyShow(ctx, o)));
  notify
    .command('set')
    .description('choose the address and topics (the admins set the defaults)')
    .option('--email <address>', 'where to send; "default" = the address the admins know')
    .option('--on <topics>', `comma-separated: ${USER_TOPICS.join(', ')}; or default, or none`)
    .option('--json', 'machine-readable output')
    .action(act((o: { email?: string; on?: string; json?: boolean }) => runNotifySet(ctx, o)));
  notify
    .command('test')
    .description('send a test message to your e-mail (admins: --channel NAME)')
    .option('--channel <name>', 'admins: a channel from the policy')
    .option('--json', 'machine-readable output')
    .action(act((o: { channel?: string; json?: boolean }) => runNotifyTest(ctx, o)));
}

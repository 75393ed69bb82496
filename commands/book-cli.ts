// `ds01 book …`: advance booking, registered on the command tree by cli.ts.
import type { Command } from 'commander';
import type { Ctx } from './lib/context.js';
import { type BookFlags, runBook, runBookCancel, runBookList } from './user/book.js';

type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

const collect = (v: string, acc: string[] = []) => [...acc, v];

export function addBookCommands(program: Command, ctx: Ctx, act: Act): void {
  const book = program
    .command('book')
    .description('book GPU slots ahead for a time window (within your group’s booking limits); list, cancel')
    .option('--gpus <n>', 'GPU slots (default 1)')
    .option('--mig <profile>', 'one MIG slot of this profile, e.g. 3g.40gb')
    .option('--whole-gpu', 'whole GPUs only')
    .option('--slot <ref>', 'admins: this GPU or slot (index, 0.1, UUID; repeatable)', collect)
    .option('--from <time>', 'start: "tomorrow 09:00", "fri 14:00", "in 2h", an ISO time')
    .option('--for <length>', 'length: 4h, 90m, 2h30m')
    .option('--until <time>', 'end, instead of --for')
    .option('--note <text>', 'shown to you and admins')
    .option('--maintenance', 'admins: nobody may use the slots in the window')
    .option('--json', 'machine-readable output')
    .action(act((o: BookFlags) => runBook(ctx, o)));
  // `book list --json`: commander hands an option both know to the parent; the sub-command asks it.
  const json = () => book.opts().json === true;
  book
    .command('list')
    .alias('ls')
    .description(
      'your bookings (--all: everyone’s calendar; others show as "someone" unless you are an admin)',
    )
    .option('-a, --all', 'every booking from now on')
    .option('--json', 'machine-readable output')
    .action(
      act((o: { all?: boolean; json?: boolean }) => runBookList(ctx, { ...o, json: o.json || json() })),
    );
  book
    .command('cancel <id>')
    .description('cancel a booking of yours (admins: anyone’s)')
    .option('--reason <text>', 'why (shown to the booker)')
    .option('--json', 'machine-readable output')
    .action(
      act((id: string, o: { reason?: string; json?: boolean }) =>
        runBookCancel(ctx, id, { ...o, json: o.json || json() }),
      ),
    );
}

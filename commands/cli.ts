// The command tree: `ds01 <noun> <verb>` and the per-command names (container-list, …) that the
// entry program maps onto it. Every action returns an exit code; only bin/ds01.ts exits.
import { Command, CommanderError } from 'commander';
import { VERSION } from '../daemon/common/version.js';
import { addAccessCommands, QUIET_COMMANDS } from './access-cli.js';
import { runConfigCheck, runConfigReload } from './admin/config.js';
import { addAdminCommands } from './admin-cli.js';
import { addBookCommands } from './book-cli.js';
import { addClusterCommands } from './cluster-cli.js';
import { addGpuCommands } from './gpu-cli.js';
import { addExamples } from './help/examples.js';
import { addHelpCommand } from './help/help-command.js';
import { addJobCommands, JOB_ALIASES } from './jobs-cli.js';
import { ApiError, DaemonUnreachableError } from './lib/client.js';
import { type Ctx, defaultCtx } from './lib/context.js';
import { paint } from './lib/output.js';
import { PromptCancelled, UsageError } from './lib/prompts.js';
import { addLifecycleCommands, showsNoticesFirst } from './lifecycle-cli.js';
import { addNotifyCommands } from './notify-cli.js';
import { addQuotaCommands } from './quota-cli.js';
import { runCheckLimits, runConfigExplain } from './user/check-limits.js';
import { addContainerCommands, CONTAINER_ALIASES } from './user/container-commands.js';
import { runContainerList } from './user/container-list.js';
import { runEvents } from './user/events.js';
import { addImageCommands, IMAGE_ALIASES } from './user/image-commands.js';
import { showPendingNotices } from './user/notices.js';
import { runStatus } from './user/status.js';
import { runWeb } from './user/web.js';
import { runWhoami } from './user/whoami.js';

/** Program names that stand for a `ds01 …` sub-command. */
// Add a line here when a command lands (package.json `bin` already lists every name).
export const ALIASES: Record<string, string[]> = {
  'container-list': ['container', 'list'],
  ...CONTAINER_ALIASES,
  'check-limits': ['limits'],
  'gpu-queue': ['queue'],
  'gpu-avail': ['gpu', 'avail'],
  'container-why': ['container', 'why'],
  'container-extend': ['container', 'extend'],
  'ds01-dashboard': ['dashboard'],
  ...IMAGE_ALIASES,
  ...JOB_ALIASES,
};

export function buildProgram(ctx: Ctx, setExit: (code: number) => void, signal?: AbortSignal): Command {
  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      setExit(await fn(...args));
    };
  const program = new Command('ds01')
    .description('ds01: GPU containers on a shared server')
    .version(VERSION)
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nEvery command: --wide prints tables and GPU ids in full on a terminal (pipes always get them whole);\n--json (where offered) prints data, and errors as {"error":{"code","message","hint"}}.',
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) });

  program
    .command('status')
    .description('daemon, Docker, policy and GPU health')
    .option('--json', 'machine-readable output')
    .action(act((o: { json?: boolean }) => runStatus(ctx, o)));
  program
    .command('whoami')
    .description('who the daemon says you are, and whether you are an admin')
    .option('--json', 'machine-readable output')
    .action(act((o: { json?: boolean }) => runWhoami(ctx, o)));
  program
    .command('web')
    .description('the ssh line that opens the web dashboard in your browser')
    .option('--port <port>', 'the port on your computer', '8080')
    .option('--host <name>', 'this server as your ssh knows it (default: its host name)')
    .option('--json', 'machine-readable output')
    .action(act((o: { port?: string; host?: string; json?: boolean }) => runWeb(ctx, o)));
  program
    .command('events')
    .description('the audit log: what happened to your containers and why (admins: everything)')
    .option('-f, --follow', 'keep printing new events')
    .option('--json', 'JSON (one object per line with --follow)')
    .option('--user <user>', 'only events about this user (admins)')
    .option('--container <name>', 'only this container')
    .option('--kind <kind>', 'only this kind, or a prefix ending in "." (container.)')
    .option('--since <when>', 'ISO time or a duration ago (30m, 2h, 7d)')
    .option('--until <when>', 'ISO time or a duration ago')
    .option('--limit <n>', 'at most this many (newest)', '200')
    .action(act((o) => runEvents(ctx, o, signal)));

  const container = program.command('container').description('your containers');
  container
    .command('list')
    .alias('ls')
    .description('list your containers')
    .option('--json', 'machine-readable output')
    .option('-a, --all', "admins: everyone's containers")
    .action(act((o: { json?: boolean; all?: boolean }) => runContainerList(ctx, o)));
  addContainerCommands(container, ctx, act, signal);

  program
    .command('limits [user]')
    .description('your effective limits, where each comes from, and your use against them (admins: any user)')
    .option('--json', 'machine-readable output')
    .action(act((user: string | undefined, o: { json?: boolean }) => runCheckLimits(ctx, user, o)));

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
  addAccessCommands(program, ctx, act);
  addGpuCommands(program, ctx, act);
  addNotifyCommands(program, ctx, act);
  addQuotaCommands(program, ctx, act);
  addBookCommands(program, ctx, act);
  addJobCommands(program, ctx, act, signal);
  addClusterCommands(program, ctx, act, signal);
  addLifecycleCommands(program, ctx, act);
  addAdminCommands(program, ctx, act, signal);
  addImageCommands(program, ctx, act, (argv, io) => runCli(argv, io ? { ...ctx, io } : ctx, signal));
  addHelpCommand(program, ctx, act, ALIASES);
  addExamples(program);
  return program;
}

/** Run a command line; returns the exit code (DESIGN.md §10). */
export async function runCli(argv: string[], ctx: Ctx = defaultCtx(), signal?: AbortSignal): Promise<number> {
  let code = 0;
  const program = buildProgram(
    ctx,
    (c) => {
      code = c;
    },
    signal,
  );
  // `ds01 container-list …` works like `container-list …` (and like `ds01 container list …`).
  const first = argv[0];
  let expanded = first !== undefined && ALIASES[first] ? [...ALIASES[first], ...argv.slice(1)] : argv;
  // --wide works on every command (tables and ids in full on a terminal); it is not a per-command option.
  if (expanded.includes('--wide')) {
    ctx.io.wide = true;
    expanded = expanded.filter((a) => a !== '--wide');
  }
  try {
    // Unread lifecycle warnings first, on stderr (a request beside the command's own; silent when it fails).
    const notices =
      showsNoticesFirst(expanded) && !QUIET_COMMANDS.includes(expanded[0] ?? '')
        ? showPendingNotices(ctx)
        : null;
    await program.parseAsync(expanded, { from: 'user' });
    await notices?.();
    return code;
  } catch (err) {
    return reportError(ctx, err, expanded.includes('--json'));
  }
}

/** The `{"error":…}` a --json caller gets on stdout instead of prose, so scripts can branch on `code`. */
export interface JsonError {
  error: { code: string; message: string; hint?: string };
}

export function errorAsJson(err: unknown): { body: JsonError; exit: number } {
  const body = (code: string, message: string, hint?: string): JsonError => ({
    error: { code, message, ...(hint ? { hint } : {}) },
  });
  if (err instanceof CommanderError)
    return { body: body('USAGE', err.message.replace(/^error: /, '')), exit: 2 };
  if (err instanceof UsageError) return { body: body('USAGE', err.message), exit: 2 };
  if (err instanceof DaemonUnreachableError)
    return { body: body('DAEMON_UNREACHABLE', err.message), exit: err.exitCode };
  if (err instanceof ApiError) return { body: body(err.code, err.message, err.hint), exit: err.exitCode };
  return { body: body('INTERNAL', (err as Error)?.message ?? String(err)), exit: 1 };
}

export function reportError(ctx: Ctx, err: unknown, json = false): number {
  const p = paint(ctx.io);
  if (err instanceof CommanderError) {
    if (
      err.code === 'commander.helpDisplayed' ||
      err.code === 'commander.version' ||
      err.code === 'commander.help'
    )
      return 0;
    if (json) ctx.io.out(`${JSON.stringify(errorAsJson(err).body)}\n`);
    return 2;
  }
  if (err instanceof PromptCancelled) {
    ctx.io.err('\n');
    return 130;
  }
  if (json) {
    // The prose goes to stderr as usual; stdout carries the same error as data.
    const { body, exit } = errorAsJson(err);
    ctx.io.out(`${JSON.stringify(body)}\n`);
    ctx.io.err(`${p.red('ds01:')} ${body.error.message}\n`);
    return exit;
  }
  if (err instanceof UsageError) {
    ctx.io.err(`${p.red('ds01:')} ${err.message}\n`);
    return 2;
  }
  if (err instanceof DaemonUnreachableError) {
    ctx.io.err(`${p.red('ds01:')} ${err.message}\n`);
    return 5;
  }
  if (err instanceof ApiError) {
    ctx.io.err(`${p.red('ds01:')} ${err.message}\n`);
    if (err.hint) ctx.io.err(`  ${p.dim('hint:')} ${err.hint}\n`);
    return err.exitCode;
  }
  ctx.io.err(`${p.red('ds01:')} ${(err as Error)?.message ?? String(err)}\n`);
  return 1;
}

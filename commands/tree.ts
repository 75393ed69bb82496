// Running a command line on a command tree made of parts (commands/parts/*.ts): the root program, each
// part's top-level commands, exit codes and errors. cli.ts runs it on the whole tree; a part's own bundle
// (bin/ds01.ts picks it by the command's first word, names.ts) on that part alone, so a command builds and
// loads only its own part. Every action returns an exit code; only bin/ds01.ts exits.
import { Command, CommanderError } from 'commander';
import { VERSION } from '../daemon/common/version.js';
import { addExamples } from './help/examples.js';
import { type Ctx, defaultCtx } from './lib/context.js';
import type { Io } from './lib/output.js';
import { failureAsJson, type JsonError, reportFailure } from './lib/report-error.js';
import { commandWords, showsNoticesFirst } from './names.js';
import { showPendingNotices } from './user/notices.js';

export type { JsonError };

/** Wraps an action: its exit code becomes the command's. */
export type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;
/** Runs another command line in this process (`user setup` runs `container deploy`). */
export type RunCommand = (argv: string[], io?: Io) => Promise<number>;

export interface Part {
  /** The top-level commands it adds (names.ts PART_NOUNS). */
  nouns: readonly string[];
  /** Adds them; `program` lets it add no other top-level command (see only()). */
  register(program: Command, ctx: Ctx, act: Act, signal: AbortSignal | undefined, run: RunCommand): void;
}

/** What a part's registration calls on commands it must not add: each call answers itself. */
const SKIPPED: Command = new Proxy(() => {}, {
  get: (_, key) => (key === 'commands' ? [] : () => SKIPPED),
}) as unknown as Command;

/**
 * `program` as a part sees it: `command()` adds only the top-level commands named in `nouns` (any other
 * is skipped, its options and sub-commands with it), and `commands` lists only those. A registration
 * function that adds to several top-level commands (lifecycle: `container why`, `notices`, `admin
 * sweep`) can so serve each part, and a part's tree is the whole tree's, cut to its nouns.
 */
export function only(program: Command, nouns: readonly string[]): Command {
  return new Proxy(program, {
    get(target, key) {
      if (key === 'command')
        return (nameAndArgs: string, ...rest: unknown[]) =>
          nouns.includes(nameAndArgs.split(' ')[0] ?? '')
            ? (target.command as (...a: unknown[]) => Command)(nameAndArgs, ...rest)
            : SKIPPED;
      if (key === 'commands') return target.commands.filter((c) => nouns.includes(c.name()));
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The tree made of `parts` (in order), then `more` (the whole tree's help command), then every
 * command's examples.
 */
export function buildTree(
  parts: readonly Part[],
  ctx: Ctx,
  setExit: (code: number) => void,
  signal?: AbortSignal,
  run: RunCommand = () => Promise.reject(new Error('no command runner')),
  more?: (program: Command, act: Act) => void,
): Command {
  const act: Act =
    (fn) =>
    async (...args) => {
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
  for (const part of parts) part.register(only(program, part.nouns), ctx, act, signal, run);
  more?.(program, act);
  addExamples(program);
  return program;
}

/** Run a command line on a tree `build` makes; returns the exit code (DESIGN.md §10). */
export async function runTree(
  build: (setExit: (code: number) => void) => Command,
  argv: string[],
  ctx: Ctx,
): Promise<number> {
  let code = 0;
  const program = build((c) => {
    code = c;
  });
  // --wide works on every command (tables and ids in full on a terminal); it is not a per-command option.
  const { words, wide } = commandWords(argv);
  if (wide) ctx.io.wide = true;
  try {
    // Unread lifecycle warnings first, on stderr: they ride on the command's first request.
    const notices = showsNoticesFirst(words) ? showPendingNotices(ctx) : null;
    await program.parseAsync(words, { from: 'user' });
    await notices?.();
    return code;
  } catch (err) {
    return reportError(ctx, err, words.includes('--json'));
  }
}

/** A command line on one part's tree (the entry program, with the part's own bundle). */
export function runPart(
  part: Part,
  argv: string[],
  ctx: Ctx = defaultCtx(),
  signal?: AbortSignal,
): Promise<number> {
  const run: RunCommand = (a, io) => runPart(part, a, io ? { ...ctx, io } : ctx, signal);
  return runTree((setExit) => buildTree([part], ctx, setExit, signal, run), argv, ctx);
}

/**
 * The command line a part's code cache is made with (bin/code-cache.ts): help for its first command, down
 * to the first sub-command (`container list --help`), which parses and renders and asks nothing.
 */
export function warmLine(part: Part, ctx: Ctx): string[] {
  const words: string[] = [];
  let c: Command | undefined = buildTree([part], ctx, () => {}).commands[0];
  while (c) {
    words.push(c.name());
    c = c.commands[0];
  }
  return [...words, '--help'];
}

/** errorAsJson for the whole tree: commander's usage errors too (lib/report-error.ts has the rest). */
export function errorAsJson(err: unknown): { body: JsonError; exit: number } {
  if (err instanceof CommanderError)
    return { body: { error: { code: 'USAGE', message: err.message.replace(/^error: /, '') } }, exit: 2 };
  return failureAsJson(err);
}

/** reportError for the whole tree: commander has already printed its own usage errors and help. */
export function reportError(ctx: Ctx, err: unknown, json = false): number {
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
  return reportFailure(ctx, err, json);
}

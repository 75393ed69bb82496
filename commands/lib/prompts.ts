// The one place that asks questions (the only importer of enquirer). Prompts only on a terminal; without
// one, a missing answer is a usage error (exit 2) that names the flag to pass instead.
// enquirer is loaded on the first question only: most commands never ask one, and it is a large
// CommonJS tree (kept out of the CLI bundle, so it loads from node_modules like any package).
import { createRequire } from 'node:module';

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Ctrl-C (or Esc) at a prompt: the command ends quietly with 130, as a shell expects. */
export class PromptCancelled extends Error {
  override name = 'PromptCancelled';
  constructor() {
    super('cancelled');
  }
}

async function loadEnquirer() {
  const Enquirer = (await import('enquirer')).default;
  // enquirer colours through ansi-colors, which ignores NO_COLOR: switch it off the same way as ours.
  if (process.env.NO_COLOR || process.env.TERM === 'dumb') {
    const fromEnquirer = createRequire(createRequire(import.meta.url).resolve('enquirer'));
    (fromEnquirer('ansi-colors') as { enabled: boolean }).enabled = false;
  }
  return Enquirer;
}

export function interactive(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

function needTerminal(what: string, flags: string): never {
  throw new UsageError(`${what}: no terminal to ask on; ${flags}`);
}

interface Answer<T> {
  v: T;
}

async function ask<T>(q: Record<string, unknown>): Promise<T> {
  // Prompts draw on stderr so stdout stays data.
  try {
    const Enquirer = await loadEnquirer();
    const r = (await Enquirer.prompt({ name: 'v', stdout: process.stderr, ...q } as never)) as Answer<T>;
    return r.v;
  } catch (err) {
    // enquirer rejects a cancelled prompt with an empty value, not an Error.
    if (!(err instanceof Error)) throw new PromptCancelled();
    throw err;
  }
}

/** yes/no, not true/false, once a confirmation is answered. */
const yesNo = (v: boolean) => (v ? 'yes' : 'no');

/** Readable without colour: `[x]`/`[ ]` boxes and a `>` on the focused line (NO_COLOR, dumb terminals). */
const plainMarks = { indicator: { on: '[x]', off: '[ ]' }, pointer: { on: '>', off: ' ' } };

/** Pick one of `choices` (value + label). */
export async function choose(
  message: string,
  choices: { value: string; label: string }[],
  flags: string,
): Promise<string> {
  if (!interactive()) needTerminal(message, flags);
  const picked = await ask<string>({
    type: 'select',
    message,
    choices: choices.map((c) => ({ name: c.value, message: c.label })),
  });
  return picked;
}

export async function confirm(
  message: string,
  opts: { yes?: boolean; flags: string; default?: boolean },
): Promise<boolean> {
  if (opts.yes) return true;
  if (!interactive()) {
    if (opts.default !== undefined) return opts.default;
    needTerminal(message, opts.flags);
  }
  return ask<boolean>({ type: 'confirm', message, initial: opts.default ?? false, format: yesNo });
}

export async function text(
  message: string,
  flags: string,
  validate?: (v: string) => string | true,
): Promise<string> {
  if (!interactive()) needTerminal(message, flags);
  return ask<string>({ type: 'input', message, validate });
}

// Generic questions with a fallback for runs without a terminal: the given default, or a usage error
// naming the flag (wizards such as image-create and user-setup run fully from flags).
export interface AskOpts<T> {
  /** Used without a terminal; omit to make the flag required there. */
  default?: T;
  /** What to pass instead, for the usage error, e.g. "pass --base NAME". */
  flags: string;
}

export interface Choice {
  value: string;
  label: string;
}

export async function select(message: string, choices: Choice[], o: AskOpts<string>): Promise<string> {
  if (!interactive()) return o.default ?? needTerminal(message, o.flags);
  const initial = Math.max(
    0,
    choices.findIndex((c) => c.value === o.default),
  );
  return ask<string>({
    type: 'select',
    message,
    initial,
    choices: choices.map((c) => ({ name: c.value, message: c.label })),
  });
}

export async function multiselect(
  message: string,
  choices: Choice[],
  o: AskOpts<string[]>,
): Promise<string[]> {
  if (!interactive()) return o.default ?? needTerminal(message, o.flags);
  return ask<string[]>({
    type: 'multiselect',
    message: `${message} (space to pick, enter when done)`,
    ...plainMarks,
    initial: (o.default ?? []).map((v) => choices.findIndex((c) => c.value === v)).filter((i) => i >= 0),
    choices: choices.map((c) => ({ name: c.value, message: c.label })),
  });
}

export async function input(
  message: string,
  o: AskOpts<string> & { validate?: (v: string) => string | true },
): Promise<string> {
  if (!interactive()) {
    if (o.default === undefined) needTerminal(message, o.flags);
    const bad = o.validate?.(o.default);
    if (typeof bad === 'string') throw new UsageError(`${message}: ${bad}`);
    return o.default;
  }
  return ask<string>({ type: 'input', message, initial: o.default, validate: o.validate });
}

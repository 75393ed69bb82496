// What people see of the command tree, kept exactly: every command's --help, the top level's, and the
// errors for mistyped commands and options ("did you mean"), recorded in a snapshot — and each part's
// own tree (the bundle a command loads, tree.ts) answers every one of them exactly as the whole tree does.
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, PARTS, runCli } from './cli.js';
import { Client } from './lib/client.js';
import type { Ctx } from './lib/context.js';
import { OWN_BUNDLE, PART_NOUNS, partFor } from './names.js';
import { runPart } from './tree.js';

function capture(): { ctx: Ctx; out: () => string } {
  let text = '';
  const io = {
    out: (s: string) => (text += s),
    err: (s: string) => (text += `[err] ${s}`),
    isTTY: false,
    color: false,
    columns: 80,
  };
  // Help and usage errors ask the daemon nothing: a socket that is not there would say so.
  return { ctx: { client: new Client('/nonexistent/ds01.sock'), io }, out: () => text };
}

async function whole(argv: string[]): Promise<string> {
  const { ctx, out } = capture();
  const code = await runCli(argv, ctx);
  return `exit ${code}\n${out()}`;
}

async function inPart(argv: string[]): Promise<string> {
  const key = partFor(argv);
  if (!key) throw new Error(`${argv.join(' ')} has no part of its own`);
  const { ctx, out } = capture();
  const code = await runPart(PARTS[key], argv, ctx);
  return `exit ${code}\n${out()}`;
}

/** Every command path in the whole tree, top-level commands first. */
function paths(c: Command, path: string[] = []): string[][] {
  return c.commands.flatMap((sub) => [[...path, sub.name()], ...paths(sub, [...path, sub.name()])]);
}

const tree = buildProgram(capture().ctx, () => undefined);
const all = paths(tree);
const MISTYPED = [
  ['contaner', 'list'],
  ['container', 'lsit'],
  ['container', 'list', '--jsn'],
  ['gpu', 'lst'],
  ['limits', 'a', 'b'],
  ['admin', 'sweeep'],
  ['job', 'submt'],
  ['--bogus'],
  [],
];

describe('the command tree as people see it', () => {
  it('is unchanged: every --help, the top level, and the mistyped', async () => {
    const seen: string[] = [await whole(['--help'])];
    for (const p of all) seen.push(`$ ds01 ${p.join(' ')} --help\n${await whole([...p, '--help'])}`);
    for (const m of MISTYPED) seen.push(`$ ds01 ${m.join(' ')}\n${await whole(m)}`);
    expect(seen.join('\n')).toMatchSnapshot();
  });

  it('names every top-level command in exactly one part, in the order the top-level help lists them', () => {
    const listed = tree.commands.map((c) => c.name()).filter((n) => n !== 'help');
    expect(Object.values(PART_NOUNS).flat()).toEqual(listed);
  });

  it('is the same in each part’s own tree as in the whole one', async () => {
    for (const p of all.filter((x) => partFor(x) !== null)) {
      expect(await inPart([...p, '--help']), p.join(' ')).toBe(await whole([...p, '--help']));
    }
    for (const m of MISTYPED.filter((x) => partFor(x) !== null)) {
      expect(await inPart(m), m.join(' ')).toBe(await whole(m));
    }
    // Program names (container-list) and --wide reach the same part.
    expect(partFor(['container-list'])).toBe('container');
    expect(partFor(['--wide', 'gpu', 'list'])).toBe('gpu');
    expect(partFor(['check-limits'])).toBe('limits');
    for (const key of OWN_BUNDLE) expect(PARTS[key].nouns).toEqual(PART_NOUNS[key]);
  });
});

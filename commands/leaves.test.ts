import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './cli.js';
import { LEAVES, type LeafKey, leafFor, optionName } from './leaves.js';
import type { Ctx } from './lib/context.js';
import { commandWords } from './names.js';

const ctx = {
  client: {} as Ctx['client'],
  io: { out: () => undefined, err: () => undefined, isTTY: false, color: false, columns: 80 },
} as Ctx;

class Parsed extends Error {
  constructor(
    readonly path: string,
    readonly opts: Record<string, unknown>,
  ) {
    super('parsed');
  }
}

/** What commander makes of a line on the whole tree: the command it would run and its options. */
async function commanderReads(line: string[]): Promise<Parsed | 'refused'> {
  const program = buildProgram(ctx, () => undefined);
  program.hook('preAction', (_, action: Command) => {
    const path: string[] = [];
    for (let c: Command | null = action; c?.parent; c = c.parent) path.unshift(c.name());
    throw new Parsed(path.join(' '), action.opts());
  });
  try {
    await program.parseAsync(commandWords(line).words, { from: 'user' });
  } catch (err) {
    if (err instanceof Parsed) return err;
    return 'refused';
  }
  return 'refused';
}

/** Every ordered pick of `items` (each at most once), the empty one included. */
function* arrangements<T>(items: readonly T[]): Generator<T[]> {
  yield [];
  for (let i = 0; i < items.length; i++)
    for (const rest of arrangements([...items.slice(0, i), ...items.slice(i + 1)]))
      yield [items[i] as T, ...rest];
}

describe('leaves', () => {
  it('name an option as commander does', () => {
    expect(optionName('--json')).toBe('json');
    expect(optionName('-a, --all')).toBe('all');
    expect(optionName('--dry-run')).toBe('dryRun');
    expect(optionName('-n, --keep-last-n')).toBe('keepLastN');
  });

  it('take exactly their words and flags, and leave everything else to the tree', () => {
    expect(leafFor(['container', 'list'])).toEqual({ key: 'container list', opts: {}, wide: false });
    expect(leafFor(['container-list', '-a', '--json', '--wide'])).toEqual({
      key: 'container list',
      opts: { all: true, json: true },
      wide: true,
    });
    expect(leafFor(['limits', '--json'])).toEqual({ key: 'limits', opts: { json: true }, wide: false });
    for (const line of [
      ['container', 'ls'], // an alias: the tree's
      ['container'],
      ['gpu'], // list is gpu's default command, but only the tree knows that
      ['container', 'list', '--help'],
      ['container', 'list', '-h'],
      ['container', 'list', '-aj'],
      ['container', 'list', '--all=yes'],
      ['container', 'list', '--', '--json'],
      ['container', 'list', 'extra'],
      ['limits', 'alice'], // an argument
      ['gpu', 'list', '-a'], // another leaf's flag
      ['container', 'listing'],
      ['--json', 'container', 'list'],
      [],
    ])
      expect([line.join(' '), leafFor(line)]).toEqual([line.join(' '), null]);
  });

  it('run what commander would run, with the options it would give, for every line they take', async () => {
    let lines = 0;
    for (const [key, leaf] of Object.entries(LEAVES) as [LeafKey, (typeof LEAVES)[LeafKey]][]) {
      const spellings = [...leaf.flags.flatMap(([flags]) => flags.split(', ')), '--wide'];
      for (const flags of arrangements(spellings)) {
        const line = [...leaf.words, ...flags];
        const mine = leafFor(line);
        expect(mine?.key, line.join(' ')).toBe(key);
        const theirs = await commanderReads(line);
        expect(theirs, line.join(' ')).toBeInstanceOf(Parsed);
        expect({ line, path: (theirs as Parsed).path, opts: (theirs as Parsed).opts }).toEqual({
          line,
          path: leaf.words.join(' '),
          opts: mine?.opts,
        });
        lines++;
      }
    }
    expect(lines).toBeGreaterThan(20);
  });

  it('refuse what commander refuses (nothing a leaf takes is a usage error)', async () => {
    expect(await commanderReads(['container', 'list', '--bogus'])).toBe('refused');
    expect(leafFor(['container', 'list', '--bogus'])).toBeNull();
  });
});

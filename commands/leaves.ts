// Commands the entry program (bin/ds01.ts) runs without the command tree. A line that is exactly a leaf's
// words and some of its flags (`container-list`, `gpu list --json`, `check-limits`) skips commander and its
// part, and loads one small bundle (leaf-commands.ts): ≈20 kB of code to read and deserialise instead of
// ≈100, so the commands students type most start ≈3 ms (≈10%) sooner. Anything else on the line (an alias
// like `ls`, an argument, a mistyped or combined flag, --help) goes to the tree as before, which owns usage,
// help and their errors. The parts register each leaf's flags from here, and leaves.test.ts checks that
// commander reads every line a leaf takes as the leaf does.
import { commandWords } from './names.js';

export interface Leaf {
  /** The command's words, as the tree has them. */
  words: readonly string[];
  /** Its options, all boolean: [flags as commander takes them, help]. */
  flags: readonly (readonly [string, string])[];
}

const JSON_FLAG = ['--json', 'machine-readable output'] as const;

export const LEAVES = {
  'container list': {
    words: ['container', 'list'],
    flags: [JSON_FLAG, ['-a, --all', "admins: everyone's containers"]],
  },
  'gpu list': { words: ['gpu', 'list'], flags: [JSON_FLAG] },
  limits: { words: ['limits'], flags: [JSON_FLAG] },
} as const satisfies Record<string, Leaf>;
export type LeafKey = keyof typeof LEAVES;

/** A command line a leaf runs: which leaf, its options as commander would name them, and --wide. */
export interface LeafLine {
  key: LeafKey;
  opts: Record<string, true>;
  wide: boolean;
}

/** The option's name as commander gives it to the action: `-a, --all` → all, `--dry-run` → dryRun. */
export function optionName(flags: string): string {
  // (no regular expressions: V8 compiles each on first use, at every command's start-up)
  const long = flags.split(', ').find((f) => f.startsWith('--')) ?? '';
  return long
    .slice(2)
    .split('-')
    .map((part, i) => (i === 0 ? part : part.charAt(0).toUpperCase() + part.slice(1)))
    .join('');
}

/** Adds a leaf's flags to the tree's command for it (the parts' registration), so both take the same. */
export function withLeafFlags<C extends { option(flags: string, help: string): C }>(cmd: C, key: LeafKey): C {
  for (const [flags, help] of LEAVES[key].flags) cmd.option(flags, help);
  return cmd;
}

/** The leaf that runs `line` (program-name aliases expanded), or null when the tree must. */
export function leafFor(line: readonly string[]): LeafLine | null {
  const { words, wide } = commandWords(line);
  for (const [key, leaf] of Object.entries(LEAVES) as [LeafKey, Leaf][]) {
    if (words.length < leaf.words.length || !leaf.words.every((w, i) => words[i] === w)) continue;
    const opts: Record<string, true> = {};
    for (const word of words.slice(leaf.words.length)) {
      const flag = leaf.flags.find(([flags]) => flags.split(', ').includes(word));
      if (!flag) return null;
      opts[optionName(flag[0])] = true;
    }
    return { key, opts, wide };
  }
  return null;
}

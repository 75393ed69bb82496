// The command line's names, with no command code behind them: the program names that stand for a
// `ds01 …` sub-command, which part of the command tree each top-level command belongs to, and the words a
// command line comes down to. The entry program (bin/ds01.ts) reads them to load only the part of the tree
// a command needs (scripts/bundle-cli.ts builds one bundle per part); cli.ts builds the whole tree.

const CONTAINER_VERBS = [
  'create',
  'start',
  'run',
  'open',
  'stop',
  'pause',
  'unpause',
  'remove',
  'stats',
  'logs',
  'deploy',
  'retire',
];

/** Program names that stand for a `ds01 …` sub-command (package.json `bin` lists every name). */
// Add a line here when a command lands.
export const ALIASES: Record<string, string[]> = {
  'container-list': ['container', 'list'],
  ...Object.fromEntries(CONTAINER_VERBS.map((v) => [`container-${v}`, ['container', v]])),
  'check-limits': ['limits'],
  'gpu-queue': ['queue'],
  'gpu-avail': ['gpu', 'avail'],
  'container-why': ['container', 'why'],
  'container-extend': ['container', 'extend'],
  'ds01-dashboard': ['dashboard'],
  'image-create': ['image', 'create'],
  'image-list': ['image', 'list'],
  'image-update': ['image', 'update'],
  'image-delete': ['image', 'delete'],
  'project-init': ['project', 'init'],
  'project-launch': ['project', 'launch'],
  'user-setup': ['user', 'setup'],
  'job-submit': ['job', 'submit'],
  'job-list': ['job', 'list'],
  'job-show': ['job', 'show'],
  'job-cancel': ['job', 'cancel'],
  'job-wait': ['job', 'wait'],
  'job-logs': ['job', 'logs'],
};

/**
 * The parts of the command tree (commands/parts/KEY.ts), in the order `ds01 --help` lists them, and the
 * top-level commands each adds. Every top-level command is in exactly one part (cli.test.ts checks it).
 */
export const PART_NOUNS = {
  system: ['status', 'whoami', 'web', 'events'],
  container: ['container'],
  limits: ['limits', 'config'],
  access: ['ssh-proxy', 'ssh-config', 'jupyter', 'ports'],
  gpu: ['gpu', 'queue'],
  notify: ['notify'],
  quota: ['quota'],
  book: ['book'],
  job: ['job'],
  cluster: ['cluster'],
  notices: ['notices'],
  admin: ['admin', 'dashboard', 'usage', 'doctor'],
  image: ['image', 'project', 'user'],
} as const satisfies Record<string, readonly string[]>;
export type PartKey = keyof typeof PART_NOUNS;

/**
 * Parts shipped as a bundle of their own. `image` is not: `user setup` runs `container deploy` through
 * the whole tree. A command outside these (help, an unknown or mistyped command, the top-level --help)
 * loads the whole tree.
 */
export const OWN_BUNDLE: readonly PartKey[] = (Object.keys(PART_NOUNS) as PartKey[]).filter(
  (k) => k !== 'image',
);

/** The part a command line runs in when it has a bundle of its own; null for the whole tree. */
export function partFor(argv: readonly string[]): PartKey | null {
  const noun = commandWords(argv).words[0];
  if (noun === undefined) return null;
  for (const key of OWN_BUNDLE) if ((PART_NOUNS[key] as readonly string[]).includes(noun)) return key;
  return null;
}

/**
 * The words commander parses: a program name in first place stands for its words (`ds01 container-list`
 * works like `container-list`), and --wide, which every command takes, is taken out.
 */
export function commandWords(argv: readonly string[]): { words: string[]; wide: boolean } {
  const first = argv[0];
  const expanded = first !== undefined && ALIASES[first] ? [...ALIASES[first], ...argv.slice(1)] : [...argv];
  return { words: expanded.filter((a) => a !== '--wide'), wide: expanded.includes('--wide') };
}

/** Commands that must not print lifecycle notices first (their stdout/stderr belong to ssh). */
export const QUIET_COMMANDS = ['ssh-proxy'];

/** Commands before which unread notices are not shown (they show them, or must stay quiet). */
export function showsNoticesFirst(argv: readonly string[]): boolean {
  const first = argv[0];
  if (first === undefined || first.startsWith('-') || QUIET_COMMANDS.includes(first)) return false;
  return first !== 'notices' && first !== 'help' && !argv.includes('--help') && !argv.includes('-h');
}

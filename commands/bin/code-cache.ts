// V8's code cache beside each commands bundle (load-bundle.ts reads it). `node code-cache.js` writes it:
// run by `npm run build` and by install.sh with the node that will run the commands (a cache fits one V8
// version), as the owner of the tree: the cache is code, and is never written by a user's command.
// Each bundle is compiled and run, and one command's help is rendered, so the cache holds the code every
// command runs at start-up (the tree, the parser), not only the top level.
// `node code-cache.js --check` says whether each cache is there and accepted (exit 1 if not): a node
// upgraded since the install makes V8 reject it, which costs only start-up time.
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as Cli from '../cli.js';
import type * as Leaves from '../leaf-commands.js';
import type { Ctx } from '../lib/context.js';
import type { Io } from '../lib/output.js';
import type { PartKey } from '../names.js';
import type * as Part from '../parts/container.js';
import { cacheFileFor, compileBundle, runBundle } from './load-bundle.js';

declare const DS01_BUNDLES: {
  cli: string;
  sshProxy: string;
  leaves: string;
  parts: Partial<Record<PartKey, string>>;
};

const sink: Io = { out: () => {}, err: () => {}, isTTY: false, color: false, columns: 80, wide: false };
const ctx: Ctx = { client: null as never, io: sink };

/** How each bundle is warmed before its cache is taken; the others (packages' bundles) only load. */
const warmers: Record<string, (exports: unknown) => Promise<unknown>> = {
  // Help for one command parses the command line and renders, and asks the daemon nothing.
  [DS01_BUNDLES.cli]: (m) => (m as typeof Cli).runCli(['container', 'list', '--help'], ctx),
  // Each leaf asks a socket nobody listens on (not this host's daemon) and reports that it cannot reach it.
  [DS01_BUNDLES.leaves]: async (m) => {
    process.env.DS01_SOCKET = join(__dirname, 'no-daemon-here.sock');
    for (const key of ['container list', 'gpu list', 'limits'] as const)
      await (m as typeof Leaves).runLeaf({ key, opts: {}, wide: false }, sink);
  },
  ...Object.fromEntries(
    Object.values(DS01_BUNDLES.parts).map((file) => [
      file,
      (m: unknown) => {
        const p = m as typeof Part;
        return p.runPart(p.part, p.warmLine(p.part, ctx), ctx);
      },
    ]),
  ),
};

async function save(file: string, warm: (exports: unknown) => Promise<unknown>): Promise<void> {
  const script = compileBundle(file);
  await warm(runBundle(script, file));
  const out = cacheFileFor(file);
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, script.createCachedData(), { mode: 0o644 });
  renameSync(tmp, out);
}

function check(file: string): boolean {
  let cache: Buffer;
  try {
    cache = readFileSync(cacheFileFor(file));
  } catch {
    process.stdout.write(`${file}: no code cache\n`);
    return false;
  }
  const rejected = compileBundle(file, cache).cachedDataRejected;
  process.stdout.write(`${file}: code cache ${rejected ? 'rejected by this node (rebuild it)' : 'ok'}\n`);
  return !rejected;
}

async function main(): Promise<number> {
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.cjs'))
    .map((f) => [join(__dirname, f), warmers[f] ?? (async () => {})] as const);
  if (process.argv[2] === '--check') return files.map(([f]) => check(f)).every(Boolean) ? 0 : 1;
  for (const [file, warm] of files) await save(file, warm);
  return 0;
}

// CommonJS has no top-level await.
main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`code-cache: ${(err as Error)?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);

#!/usr/bin/env node
// The one entry program. Installed under every command name (ds01, container-list, …): the name it
// was run as picks the sub-command. The only place in commands/ that calls process.exit.
// Shipped as a small CommonJS file (scripts/bundle-cli.ts): it answers `ds01 --version` itself and loads
// one bundle through V8's code cache (load-bundle.ts): the leaves (the commands typed most, leaves.ts),
// the command's part of the tree (names.ts), the whole tree, or the ssh proxy.
import { writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { VERSION } from '../../daemon/common/version.js';
import type * as Cli from '../cli.js';
import type * as Leaves from '../leaf-commands.js';
import { leafFor } from '../leaves.js';
import { ALIASES, type PartKey, partFor } from '../names.js';
import type * as Part from '../parts/container.js';
import type * as SshProxy from '../user/ssh-proxy.js';

/** The bundles' file names, content-hashed; set by scripts/bundle-cli.ts when it builds this file. */
declare const DS01_BUNDLES: {
  cli: string;
  sshProxy: string;
  leaves: string;
  parts: Partial<Record<PartKey, string>>;
};

const invokedAs = basename(process.argv[1] ?? 'ds01').replace(/\.js$/, '');
const argv = process.argv.slice(2);
const controller = new AbortController();
// A reader that went away (`ds01-dashboard --watch | head -3`) ends the command quietly, like `docker ps |
// head`: no stack trace, no error. Set on each stream when Node makes it, not before: most commands
// write through the fds (lib/fd-output.ts, which reports its errors as the stream's) and never make one.
const made: NodeJS.WriteStream[] = [];
for (const name of ['stdout', 'stderr'] as const) {
  const make = Object.getOwnPropertyDescriptor(process, name)?.get;
  if (!make) continue;
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: true,
    get() {
      const stream = make.call(process) as NodeJS.WriteStream;
      if (!made.includes(stream)) {
        made.push(stream);
        stream.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'EPIPE') process.exit(process.exitCode === 130 ? 130 : 0);
          throw err;
        });
      }
      return stream;
    },
  });
}

/** Exits once what a stream still queues (a fd that would block, lib/fd-output.ts) has gone out. */
function exit(code: number): void {
  const pending = made.find((s) => s.writableLength > 0 && !s.destroyed);
  if (pending) pending.once('drain', () => exit(code));
  else process.exit(code);
}
process.on('SIGINT', () => {
  controller.abort();
  process.exitCode = 130;
  setTimeout(() => process.exit(130), 200).unref();
});

async function main(): Promise<number> {
  // What commander would print, without loading it.
  if (invokedAs === 'ds01' && argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    try {
      writeSync(1, `${VERSION}\n`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
    }
    return 0;
  }
  // Loaded here, not above: `--version` needs neither it nor node:vm.
  const { loadBundle } = await import('./load-bundle.js');
  // `ds01 ssh-proxy NAME` starts every ssh, scp and VS Code connection: its own bundle, no command tree.
  if (invokedAs === 'ds01' && argv[0] === 'ssh-proxy' && argv.length === 2 && !argv[1]?.startsWith('-')) {
    const m = loadBundle<typeof SshProxy>(join(__dirname, DS01_BUNDLES.sshProxy));
    return m.sshProxyMain(argv[1] as string);
  }
  const line = [...(ALIASES[invokedAs] ?? []), ...argv];
  // The commands typed most, as a leaf takes them: its small bundle and no command tree (leaves.ts).
  const leaf = leafFor(line);
  if (leaf) return loadBundle<typeof Leaves>(join(__dirname, DS01_BUNDLES.leaves)).runLeaf(leaf);
  // A command with a part of its own loads only that part: its code, its cache, its commands.
  const part = DS01_BUNDLES.parts[partFor(line) ?? ('' as PartKey)];
  if (part) {
    const m = loadBundle<typeof Part>(join(__dirname, part));
    return m.runPart(m.part, line, undefined, controller.signal);
  }
  return loadBundle<typeof Cli>(join(__dirname, DS01_BUNDLES.cli)).runCli(line, undefined, controller.signal);
}

// In a function, not top-level code: a bundle that fails to load is reported like any other error.
main().then(
  (code) => exit(process.exitCode === 130 ? 130 : code),
  (err) => {
    process.stderr.write(`ds01: ${(err as Error)?.stack ?? err}\n`);
    process.exit(1);
  },
);

#!/usr/bin/env node
// The one entry program. Installed under every command name (ds01, container-list, …): the name it
// was run as picks the sub-command. The only place in commands/ that calls process.exit.
import * as nodeModule from 'node:module';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';

// Node ≥ 22.1 keeps V8's compiled code between runs (here per user, in their cache dir; a failure to
// write it is silent). Node 20 has no such API: there the bundle (scripts/bundle-cli.ts) is the saving.
// Called before the command tree is imported, so the chunks it loads are cached.
const { enableCompileCache } = nodeModule as { enableCompileCache?: (dir?: string) => unknown };
enableCompileCache?.(join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ds01', 'v8'));

const invokedAs = basename(process.argv[1] ?? 'ds01').replace(/\.js$/, '');
const argv = process.argv.slice(2);
// `ds01 ssh-proxy NAME` starts every ssh, scp and VS Code connection: it skips loading the command tree
// (about two thirds of the CLI's start-up).
const sshProxy =
  invokedAs === 'ds01' && argv[0] === 'ssh-proxy' && argv.length === 2 && !argv[1]?.startsWith('-');
const controller = new AbortController();
// A reader that went away (`ds01-dashboard --watch | head -3`) ends the command quietly, like `docker ps |
// head`: no stack trace, no error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode === 130 ? 130 : 0);
    throw err;
  });
}
process.on('SIGINT', () => {
  controller.abort();
  process.exitCode = 130;
  setTimeout(() => process.exit(130), 200).unref();
});
const run = sshProxy
  ? import('../user/ssh-proxy.js').then((m) => m.sshProxyMain(argv[1] as string))
  : import('../cli.js').then(({ ALIASES, runCli }) =>
      runCli([...(ALIASES[invokedAs] ?? []), ...argv], undefined, controller.signal),
    );
run.then(
  (code) => process.exit(process.exitCode === 130 ? 130 : code),
  (err) => {
    process.stderr.write(`ds01: ${(err as Error)?.stack ?? err}\n`);
    process.exit(1);
  },
);

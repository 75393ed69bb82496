#!/usr/bin/env node
// The one entry program. Installed under every command name (ds01, container-list, …): the name it
// was run as picks the sub-command. The only place in commands/ that calls process.exit.
import { basename } from 'node:path';
import { ALIASES, runCli } from '../cli.js';

const invokedAs = basename(process.argv[1] ?? 'ds01').replace(/\.js$/, '');
const prefix = ALIASES[invokedAs] ?? [];
const controller = new AbortController();
process.on('SIGINT', () => {
  controller.abort();
  process.exitCode = 130;
  setTimeout(() => process.exit(130), 200).unref();
});
runCli([...prefix, ...process.argv.slice(2)], undefined, controller.signal).then(
  (code) => process.exit(process.exitCode === 130 ? 130 : code),
  (err) => {
    process.stderr.write(`ds01: ${(err as Error)?.stack ?? err}\n`);
    process.exit(1);
  },
);

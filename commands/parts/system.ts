// Part of the command tree (tree.ts; names.ts PART_NOUNS): `status`, `whoami`, `web`, `events`.
// Also the entry of the part's own bundle: bin/ds01.ts runs `runPart(part, …)` from it.

import { PART_NOUNS } from '../names.js';
import type { Part } from '../tree.js';
import { runEvents } from '../user/events.js';
import { runStatus } from '../user/status.js';
import { runWeb } from '../user/web.js';
import { runWhoami } from '../user/whoami.js';

export { runPart, warmLine } from '../tree.js';

export const part: Part = {
  nouns: PART_NOUNS.system,
  register(program, ctx, act, signal) {
    program
      .command('status')
      .description('daemon, Docker, policy and GPU health')
      .option('--json', 'machine-readable output')
      .action(act((o: { json?: boolean }) => runStatus(ctx, o)));
    program
      .command('whoami')
      .description('who the daemon says you are, and whether you are an admin')
      .option('--json', 'machine-readable output')
      .action(act((o: { json?: boolean }) => runWhoami(ctx, o)));
    program
      .command('web')
      .description('the ssh line that opens the web dashboard in your browser')
      .option('--port <port>', 'the port on your computer', '8080')
      .option('--host <name>', 'this server as your ssh knows it (default: its host name)')
      .option('--json', 'machine-readable output')
      .action(act((o: { port?: string; host?: string; json?: boolean }) => runWeb(ctx, o)));
    program
      .command('events')
      .description('the audit log: what happened to your containers and why (admins: everything)')
      .option('-f, --follow', 'keep printing new events')
      .option('--json', 'JSON (one object per line with --follow)')
      .option('--user <user>', 'only events about this user (admins)')
      .option('--container <name>', 'only this container')
      .option('--kind <kind>', 'only this kind, or a prefix ending in "." (container.)')
      .option('--since <when>', 'ISO time or a duration ago (30m, 2h, 7d)')
      .option('--until <when>', 'ISO time or a duration ago')
      .option('--limit <n>', 'at most this many (newest)', '200')
      .action(act((o) => runEvents(ctx, o, signal)));
  },
};

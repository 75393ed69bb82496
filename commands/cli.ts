// The whole command tree: `ds01 <noun> <verb>`, made of the parts in commands/parts/ (names.ts says which
// top-level commands each adds), plus `ds01 help`. The entry program runs a command on its part's own
// bundle when it has one (tree.ts runPart), and here otherwise: `ds01 --help`, `help`, an unknown or
// mistyped command (commander's "did you mean" needs every name), the image commands.
import type { Command } from 'commander';
import { addHelpCommand } from './help/help-command.js';
import { type Ctx, defaultCtx } from './lib/context.js';
import { ALIASES, type PartKey } from './names.js';
import { part as access } from './parts/access.js';
import { part as admin } from './parts/admin.js';
import { part as book } from './parts/book.js';
import { part as cluster } from './parts/cluster.js';
import { part as container } from './parts/container.js';
import { part as gpu } from './parts/gpu.js';
import { part as image } from './parts/image.js';
import { part as job } from './parts/job.js';
import { part as limits } from './parts/limits.js';
import { part as notices } from './parts/notices.js';
import { part as notify } from './parts/notify.js';
import { part as quota } from './parts/quota.js';
import { part as system } from './parts/system.js';
import { buildTree, type Part, runTree } from './tree.js';

export { ALIASES } from './names.js';
export { errorAsJson, type JsonError, reportError } from './tree.js';

/** Every part, in the order of names.ts PART_NOUNS (the order `ds01 --help` lists them in). */
export const PARTS: Record<PartKey, Part> = {
  system,
  container,
  limits,
  access,
  gpu,
  notify,
  quota,
  book,
  job,
  cluster,
  notices,
  admin,
  image,
};

export function buildProgram(ctx: Ctx, setExit: (code: number) => void, signal?: AbortSignal): Command {
  return buildTree(
    Object.values(PARTS),
    ctx,
    setExit,
    signal,
    (argv, io) => runCli(argv, io ? { ...ctx, io } : ctx, signal),
    (program, act) => addHelpCommand(program, ctx, act, ALIASES),
  );
}

/** Run a command line on the whole tree; returns the exit code (DESIGN.md §10). */
export function runCli(argv: string[], ctx: Ctx = defaultCtx(), signal?: AbortSignal): Promise<number> {
  return runTree((setExit) => buildProgram(ctx, setExit, signal), argv, ctx);
}

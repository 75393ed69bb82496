// The leaves' bundle (leaves.ts): each leaf's command run as the tree runs it (unread notices first,
// --wide, failures reported the same way), without commander or the rest of its part.

import type { LeafKey, LeafLine } from './leaves.js';
import { type Ctx, defaultCtx } from './lib/context.js';
import type { Io } from './lib/output.js';
import { reportFailure } from './lib/report-error.js';
import { runCheckLimits } from './user/check-limits.js';
import { runContainerList } from './user/container-list.js';
import { runGpuList } from './user/gpu-list.js';
import { showPendingNotices } from './user/notices.js';

/** What each leaf runs: the same function its command in the tree runs. */
const RUN: Record<LeafKey, (ctx: Ctx, opts: Record<string, true>) => Promise<number>> = {
  'container list': (ctx, o) => runContainerList(ctx, o),
  'gpu list': (ctx, o) => runGpuList(ctx, o),
  limits: (ctx, o) => runCheckLimits(ctx, undefined, o),
};

/** Runs a line leafFor() matched; returns the exit code (DESIGN.md §10). `io`: instead of the process's. */
export async function runLeaf(line: LeafLine, io?: Io): Promise<number> {
  const ctx = defaultCtx();
  if (io) ctx.io = io;
  if (line.wide) ctx.io.wide = true;
  const notices = showPendingNotices(ctx);
  try {
    const code = await RUN[line.key](ctx, line.opts);
    await notices();
    return code;
  } catch (err) {
    return reportFailure(ctx, err, line.opts.json === true);
  }
}

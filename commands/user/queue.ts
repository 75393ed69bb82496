// `gpu-queue` / `ds01 queue list|leave|remove`: the GPU queue, your entries (admins: everyone's).
import type { Ctx } from '../lib/context.js';
import { leaveQueue, listQueue } from '../lib/gpus.js';
import { printJson, table } from '../lib/output.js';
import { ago } from '../lib/units.js';
import { describeWait } from '../lib/wait.js';

export async function runQueueList(ctx: Ctx, opts: { json?: boolean }): Promise<number> {
  const list = await listQueue(ctx.client);
  if (opts.json) {
    printJson(ctx.io, list);
    return 0;
  }
  if (!list.length) {
    ctx.io.err('the queue is empty (`container-deploy NAME --queue` waits for a free GPU)\n');
    return 0;
  }
  const rows = list.map((e) => {
    const what = e.gpu.wholeGpu ? 'full GPU' : (e.gpu.profile ?? 'any');
    const req = (e.request ?? {}) as { name?: unknown; job?: unknown };
    // A batch job's entry carries only its id (`ds01 job show ID`).
    const name =
      typeof req.name === 'string' ? req.name : typeof req.job === 'number' ? `job ${req.job}` : '-';
    const eta = e.state !== 'waiting' ? (e.note ?? '') : describeWait(e.wait);
    return [
      String(e.id),
      e.position === null ? '-' : String(e.position),
      e.owner,
      name,
      `${e.gpu.count}× ${what}`,
      e.state,
      ago(e.enqueuedAt, Date.now()),
      eta,
    ];
  });
  ctx.io.out(table(['ID', 'POS', 'USER', 'NAME', 'GPU', 'STATE', 'QUEUED', 'WAIT/NOTE'], rows, ctx.io));
  return 0;
}

export async function runQueueLeave(
  ctx: Ctx,
  id: string,
  opts: { reason?: string; json?: boolean },
): Promise<number> {
  const e = await leaveQueue(ctx.client, id, opts.reason);
  if (opts.json) printJson(ctx.io, e);
  else ctx.io.err(`queue entry ${e.id} of ${e.owner}: ${e.state}\n`);
  return 0;
}

import type { QueueEntryView } from '../../daemon/api/types/index.js';
import { gpuText } from '../lib/containers.js';
import type { Ctx } from '../lib/context.js';
import { printJson, table } from '../lib/output.js';
import { containerListing, listContainers } from '../lib/system.js';
import { duration } from '../lib/units.js';
import { describeWait } from '../lib/wait.js';

const requested = (e: QueueEntryView, key: string): string | undefined => {
  const v =
    e.request && typeof e.request === 'object' ? (e.request as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' ? v : undefined;
};

/**
 * A waiting deploy reads `queued (#2, ~3m)`: its place in the GPU queue and the daemon's one wait estimate,
 * worded as gpu-queue words it.
 */
export function queuedState(e: Pick<QueueEntryView, 'position' | 'wait'>, now: number): string {
  // (the reason behind an estimate, "(max_runtime)", is gpu-queue's to show: no parentheses in parentheses)
  const wait = describeWait(e.wait, now).replace(/ \(.*\)$/, '') || 'unknown';
  return `queued (#${e.position ?? '?'}, ${wait === 'now' ? 'next' : wait})`;
}

export async function runContainerList(ctx: Ctx, opts: { json?: boolean; all?: boolean }): Promise<number> {
  // One request: the containers and the queue beside them (--json is the containers alone).
  const { containers: list, queue } = opts.json
    ? { containers: await listContainers(ctx.client, opts.all), queue: [] }
    : await containerListing(ctx.client, opts.all);
  // An admin's queue lists everyone's entries: without --all only the caller's own (the CLI runs as them).
  const uid = process.getuid?.();
  const waiting = queue.filter(
    (e) => e.state === 'waiting' && requested(e, 'name') && (opts.all || e.ownerUid === uid),
  );
  if (opts.json) {
    printJson(ctx.io, list);
    return 0;
  }
  if (!list.length && !waiting.length) {
    ctx.io.err('no containers — create one with `container-deploy NAME`\n');
    return 0;
  }
  const now = Date.now();
  const rows = list.map((c) => [
    c.name,
    ...(opts.all ? [c.owner] : []),
    c.state,
    c.image,
    gpuText(c) + (c.gpuSlots.some((s) => s.state === 'held') ? ' (held)' : ''),
    c.state === 'running' && c.startedAt ? duration(now - Date.parse(c.startedAt)) : '-',
  ]);
  for (const e of waiting)
    rows.push([
      requested(e, 'name') ?? '-',
      ...(opts.all ? [e.owner] : []),
      queuedState(e, now),
      requested(e, 'image') ?? '-',
      `${e.gpu.count > 1 ? `${e.gpu.count}× ` : ''}${e.gpu.wholeGpu ? 'full GPU' : (e.gpu.profile ?? 'any')}`,
      '-',
    ]);
  ctx.io.out(
    table(['NAME', ...(opts.all ? ['OWNER'] : []), 'STATE', 'IMAGE', 'GPU', 'UPTIME'], rows, ctx.io),
  );
  // Stopped by an admin or by ds01d: who and why, under the table (the table stays narrow).
  for (const c of list) if (c.stopReason) ctx.io.err(`${c.name} was stopped ${c.stopReason}\n`);
  return 0;
}

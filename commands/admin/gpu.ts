// Admin GPU verbs: drain/undrain a GPU or slot, force-release a slot, re-probe the inventory.
import type { Ctx } from '../lib/context.js';
import { drainGpu, refreshGpus, releaseSlot } from '../lib/gpus.js';
import { printJson } from '../lib/output.js';
import { runGpuList } from '../user/gpu-list.js';

function needReason(ctx: Ctx, reason: string | undefined): reason is string {
  if (reason?.trim()) return true;
  ctx.io.err('ds01: --reason is required (users affected see it, and it is kept in the audit log)\n');
  return false;
}

export async function runGpuDrain(
  ctx: Ctx,
  ref: string,
  drain: boolean,
  opts: { reason?: string; json?: boolean },
): Promise<number> {
  if (!needReason(ctx, opts.reason)) return 2;
  const r = await drainGpu(ctx.client, ref, opts.reason, drain);
  if (opts.json) {
    printJson(ctx.io, r);
    return 0;
  }
  ctx.io.err(`${drain ? 'drained' : 'undrained'} ${r.slots.length} slot(s): ${r.slots.join(', ')}\n`);
  if (drain && r.holders.length) {
    ctx.io.err(
      `still held (they keep their slot until released; the holders were told):\n${r.holders.map((h) => `  ${h.slot}  ${h.user}  ${h.containerId ?? '(starting)'}`).join('\n')}\n`,
    );
  }
  return 0;
}

export async function runGpuRelease(
  ctx: Ctx,
  slot: string,
  opts: { reason?: string; json?: boolean },
): Promise<number> {
  if (!needReason(ctx, opts.reason)) return 2;
  const r = await releaseSlot(ctx.client, slot, opts.reason);
  if (opts.json) printJson(ctx.io, r);
  else
    ctx.io.err(
      `${r.released ? `released ${r.slot} from ${r.user}` : `${r.slot}: nothing to release`} — ${r.note}\n`,
    );
  return 0;
}

export async function runGpuRefresh(ctx: Ctx, opts: { json?: boolean }): Promise<number> {
  const list = await refreshGpus(ctx.client);
  if (opts.json) {
    printJson(ctx.io, list);
    return 0;
  }
  ctx.io.err(`re-probed: ${list.slots.length} slot(s)\n`);
  return runGpuList(ctx, {});
}

// `ds01 gpu list` and `gpu-avail`: the slots and who holds them (admins see names; others "taken").
import type { GpuSlotView } from '../../daemon/api/types/index.js';
import type { Ctx } from '../lib/context.js';
import { gpuAvailability, listGpus } from '../lib/gpus.js';
import { idFor, paint, printJson, table } from '../lib/output.js';
import { fromNow } from '../lib/units.js';

const until = (iso: string | null) => (iso ? fromNow(iso, Date.now()) : '');

export function slotLabel(s: GpuSlotView): string {
  return s.kind === 'mig' ? `${s.gpuIndex}.${s.migDeviceIndex ?? '?'}` : String(s.gpuIndex);
}

export async function runGpuList(ctx: Ctx, opts: { json?: boolean }): Promise<number> {
  const list = await listGpus(ctx.client);
  if (opts.json) {
    printJson(ctx.io, list);
    return 0;
  }
  const p = paint(ctx.io);
  if (list.probeError) ctx.io.err(`${p.yellow('warning:')} last GPU probe failed: ${list.probeError}\n`);
  if (!list.slots.length) {
    ctx.io.err('no GPUs on this server (nvidia-smi reports none)\n');
    return 0;
  }
  const rows = list.slots.map((s) => {
    const h = s.holder;
    const who = !h
      ? ''
      : `${h.label}${h.containerName ? `/${h.containerName}` : ''}${h.state === 'held' ? ` (held${h.holdUntil ? `, frees ${until(h.holdUntil)}` : ''})` : h.state === 'reserved' ? ' (starting)' : ''}`;
    const state =
      s.state === 'available'
        ? h
          ? 'in use'
          : p.green('free')
        : s.state === 'drained'
          ? p.yellow('drained')
          : p.red('missing');
    return [slotLabel(s), s.profile ?? 'full GPU', state, who, idFor(ctx.io, s.uuid)];
  });
  ctx.io.out(table(['SLOT', 'PROFILE', 'STATE', 'HOLDER', 'UUID'], rows, ctx.io));
  return 0;
}

export async function runGpuAvail(ctx: Ctx, opts: { json?: boolean }): Promise<number> {
  const r = await gpuAvailability(ctx.client);
  if (opts.json) {
    printJson(ctx.io, r);
    return 0;
  }
  if (!r.profiles.length) {
    ctx.io.err('no GPUs on this server\n');
    return 0;
  }
  const rows = r.profiles.map((a) => [
    a.profile,
    String(a.free),
    String(a.total),
    String(a.held),
    String(a.drained + a.missing),
    String(a.queued),
    a.free > 0 ? 'now' : a.nextFreeAt ? until(a.nextFreeAt) : 'unknown',
  ]);
  ctx.io.out(table(['PROFILE', 'FREE', 'TOTAL', 'HELD', 'OFFLINE', 'QUEUED', 'NEXT FREE'], rows, ctx.io));
  if (r.queued) ctx.io.err(`${r.queued} request(s) waiting; see \`gpu-queue\`\n`);
  return 0;
}

// `ds01 gpu list` and `gpu-avail`: the slots and who holds them (admins see names; others "taken").
import type { GpuSlotView } from '../../daemon/api/types/index.js';
import type { Ctx } from '../lib/context.js';
import { gpuAvailability, listGpus } from '../lib/gpus.js';
import { idFor, paint, printJson, prose, table } from '../lib/output.js';
import { fromNow } from '../lib/units.js';
import { describeWait } from '../lib/wait.js';

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
    const outside = s.unmanaged.map((u) => `${u.user}: ${u.command} (pid ${u.pid})`).join(', ');
    const state =
      s.state === 'available' && s.health?.state === 'unhealthy'
        ? p.red('unhealthy')
        : s.state === 'available' && s.unmanaged.length > 0 && !h
          ? p.yellow('busy (unmanaged)')
          : s.state === 'available'
            ? h
              ? 'in use'
              : p.green('free')
            : s.state === 'drained'
              ? p.yellow('drained')
              : p.red('missing');
    return [
      slotLabel(s),
      s.profile ?? 'full GPU',
      state,
      [who, outside].filter(Boolean).join('; '),
      idFor(ctx.io, s.uuid),
    ];
  });
  ctx.io.out(table(['SLOT', 'PROFILE', 'STATE', 'HOLDER', 'UUID'], rows, ctx.io));
  // One line per GPU with a health problem (its slots share it): what it is and whether it is handed out.
  const told = new Set<string>();
  for (const s of list.slots) {
    const hl = s.health;
    if (!hl || told.has(s.gpuUuid)) continue;
    told.add(s.gpuUuid);
    const counting =
      hl.problems.some((x) => x.severity === 'failing') && !s.drainReason
        ? ` (bad probe ${Math.min(hl.badProbes, hl.drainAfter)} of ${hl.drainAfter} before it is drained)`
        : '';
    const label = hl.state === 'unhealthy' ? p.red('unhealthy') : p.yellow('warning');
    ctx.io.err(prose(ctx.io, `GPU ${s.gpuIndex} ${label}: ${hl.reason}${counting}`));
  }
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
  // FOR YOU: what this user could take now (their quota, whole-GPU permission); NEXT FREE: the queue's
  // own estimate of when they would get one.
  const rows = r.profiles.map((a) => [
    a.profile,
    String(a.forYou.canGet),
    String(a.free),
    String(a.total),
    String(a.held),
    String(a.drained + a.missing),
    String(a.queued),
    describeWait(a.wait),
  ]);
  ctx.io.out(
    table(['PROFILE', 'FOR YOU', 'FREE', 'TOTAL', 'HELD', 'OFFLINE', 'QUEUED', 'NEXT FREE'], rows, ctx.io),
  );
  const limits = [...new Set(r.profiles.map((a) => a.forYou.binding).filter((b): b is string => !!b))];
  if (r.you.binding) ctx.io.err(prose(ctx.io, `your limit: ${r.you.binding}`));
  else if (limits.length) ctx.io.err(prose(ctx.io, `what limits you: ${limits.join('; ')}`));
  if (r.queued) ctx.io.err(`${r.queued} request(s) waiting; see \`gpu-queue\`\n`);
  return 0;
}

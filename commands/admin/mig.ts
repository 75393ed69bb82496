// `ds01 admin mig plan|apply|status|cancel`: re-partition MIG GPUs to the policy's gpu_allocation.layout,
// safely (drain, warn holders, stop them at the deadline, nvidia-smi, verify, undrain). The daemon does the
// work and keeps going across restarts; these print and ask.
import type { MigChangeView, MigGpuPlanView, MigTargetView } from '../../daemon/api/types/index.js';
import type { Ctx } from '../lib/context.js';
import { migApply, migCancel, migPlan, migStatus } from '../lib/mig.js';
import { printJson, prose, table } from '../lib/output.js';
import { confirm, UsageError } from '../lib/prompts.js';
import { clock } from '../lib/units.js';

/** `3g.40gb + 1g.10gb ×2`: equal profiles counted. */
export function layoutText(profiles: string[]): string {
  if (profiles.length === 0) return '-';
  const counts = new Map<string, number>();
  for (const p of profiles) counts.set(p, (counts.get(p) ?? 0) + 1);
  return [...counts].map(([p, n]) => (n > 1 ? `${p} ×${n}` : p)).join(' + ');
}

function desiredText(t: MigTargetView | null, profiles: string[]): string {
  if (!t) return '(none)';
  if (t.kind === 'off') return 'MIG off';
  if (t.kind === 'whole') return `${layoutText(profiles)} (whole)`;
  return layoutText(profiles);
}

const holderText = (h: { user: string; containerName: string | null }) =>
  h.containerName ? `${h.user}/${h.containerName}` : `${h.user} (deploying)`;

/** `2h`, `30m`, `1h30m`, `90s`, `0` → seconds. */
export function parseDeadline(text: string): number {
  const t = text.trim();
  if (t === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(d|h|m|s)/gy;
  let sec = 0;
  let matched = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    sec += Number(m[1]) * { d: 86400, h: 3600, m: 60, s: 1 }[m[2] as 'd' | 'h' | 'm' | 's'];
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== t.length) {
    throw new UsageError(
      `--drain-deadline ${text}: give a duration such as 2h, 30m, 1h30m or 0 (stop holders at once)`,
    );
  }
  return Math.round(sec);
}

function parseAt(text: string): string {
  const t = Date.parse(text);
  if (Number.isNaN(t)) {
    throw new UsageError(
      `--at ${text}: give a date and time, e.g. 2026-12-01T02:00Z or "2026-12-01 02:00 UTC"`,
    );
  }
  return new Date(t).toISOString();
}

function parseGpus(list: string[] | undefined): number[] | undefined {
  if (!list?.length) return undefined;
  const out = list.flatMap((s) => s.split(',')).map((s) => s.trim());
  for (const s of out)
    if (!/^\d{1,2}$/.test(s)) throw new UsageError(`--gpu ${s}: give GPU indices (0, 1, …)`);
  return out.map(Number);
}

function printPlan(ctx: Ctx, gpus: MigGpuPlanView[]): void {
  ctx.io.out(
    table(
      ['GPU', 'MODEL', 'NOW', 'DESIRED', 'ACTION', 'HOLDERS AFFECTED'],
      gpus.map((g) => [
        String(g.gpuIndex),
        g.model ?? g.gpuName,
        g.migEnabled ? layoutText(g.current) : 'MIG off',
        desiredText(g.desired, g.desiredProfiles),
        g.openChange ? `${g.action} (change #${g.openChange} open)` : g.action,
        g.holders.map(holderText).join(', ') || '-',
      ]),
      ctx.io,
    ),
  );
  for (const g of gpus) {
    if (g.action === 'none' || g.action === 'unmanaged') continue;
    const rules =
      g.modelSource === 'driver' ? ' (rules from the driver)' : g.modelSource ? ' (built-in rules)' : '';
    let line = `GPU ${g.gpuIndex}${rules}: ${g.reason}`;
    if (g.action === 'reconfigure') {
      const create = g.create.map((p) => `${p.profile} at ${p.start}`).join(', ');
      line += `: destroy GI ${g.destroy.join(', ') || 'none'}, create ${create || 'none'}${g.keep.length ? `, keep GI ${g.keep.join(', ')}` : ''}`;
    }
    ctx.io.out(prose(ctx.io, line));
    for (const b of g.bookings ?? []) {
      ctx.io.out(
        prose(
          ctx.io,
          `GPU ${g.gpuIndex}: destroys booked slot(s) ${b.slots.join(', ')}: booking ${b.id} (${b.maintenance ? 'maintenance, ' : ''}${b.owner}, ${clock(b.from)} to ${clock(b.to)}); apply refuses this unless --force (which cancels the booking and tells ${b.owner})`,
        ),
      );
    }
  }
}

export async function runMigPlan(ctx: Ctx, o: { json?: boolean }): Promise<number> {
  const plan = await migPlan(ctx.client);
  if (o.json) {
    printJson(ctx.io, plan);
    return 0;
  }
  if (plan.probeError) ctx.io.err(prose(ctx.io, `ds01: warning: ${plan.probeError}`));
  if (plan.gpus.length === 0) {
    ctx.io.err('no GPUs\n');
    return 0;
  }
  printPlan(ctx, plan.gpus);
  return plan.gpus.some((g) => g.action === 'invalid') ? 1 : 0;
}

export async function runMigApply(
  ctx: Ctx,
  o: {
    gpu?: string[];
    at?: string;
    drainDeadline?: string;
    force?: boolean;
    yes?: boolean;
    json?: boolean;
  },
): Promise<number> {
  if (o.at !== undefined && o.drainDeadline !== undefined) {
    throw new UsageError('give either --at or --drain-deadline, not both');
  }
  const gpus = parseGpus(o.gpu);
  const at = o.at !== undefined ? parseAt(o.at) : undefined;
  const drainDeadlineSec = o.drainDeadline !== undefined ? parseDeadline(o.drainDeadline) : undefined;
  if (!o.yes) {
    const plan = await migPlan(ctx.client);
    const chosen = plan.gpus.filter((g) => (gpus ? gpus.includes(g.gpuIndex) : g.action === 'reconfigure'));
    if (chosen.length === 0) {
      ctx.io.err(
        'nothing to apply: every GPU is as the policy says, or not managed (see `ds01 admin mig plan`)\n',
      );
      return 0;
    }
    printPlan(ctx, chosen);
    const holders = chosen.flatMap((g) => g.holders);
    const booked = o.force ? chosen.flatMap((g) => g.bookings ?? []) : [];
    const when = at ? clock(at) : `in ${o.drainDeadline ?? '1h'}`;
    const ok = await confirm(
      `Drain GPU ${chosen.map((g) => g.gpuIndex).join(', ')} now and re-partition it${holders.length ? `; ${holders.length} container(s) stopped ${when} unless released` : ''}${booked.length ? `; ${booked.length} booking(s) cancelled` : ''}?`,
      { flags: 'pass --yes to apply without asking', default: undefined },
    );
    if (!ok) return 1;
  }
  const r = await migApply(ctx.client, {
    ...(gpus ? { gpus } : {}),
    ...(at ? { at } : {}),
    ...(drainDeadlineSec !== undefined ? { drainDeadlineSec } : {}),
    ...(o.force ? { force: true } : {}),
  });
  if (o.json) {
    printJson(ctx.io, r);
    return 0;
  }
  for (const c of r.changes) {
    const holders = c.holders.map(holderText).join(', ');
    ctx.io.err(
      prose(
        ctx.io,
        `change #${c.id}: GPU ${c.gpuIndex} → ${layoutText(c.desired)} (${c.state}); ${holders ? `holders ${holders} are told, and stopped at ${clock(c.deadline)} unless they release first` : 'no holders: it goes ahead now'}`,
      ),
    );
  }
  for (const s of r.skipped) ctx.io.err(prose(ctx.io, `GPU ${s.gpuIndex}: not changed: ${s.reason}`));
  if (r.changes.length === 0 && r.skipped.length === 0) ctx.io.err('nothing to apply\n');
  if (r.changes.length) ctx.io.err('follow it with `ds01 admin mig status`\n');
  return 0;
}

function changeRows(changes: MigChangeView[]): string[][] {
  return changes.map((c) => [
    `#${c.id}`,
    String(c.gpuIndex),
    c.state === 'failed' ? `failed at ${c.failedStep}` : c.state,
    layoutText(c.desired),
    c.state === 'draining' || c.state === 'waiting' ? clock(c.deadline) : '-',
    c.holders.map(holderText).join(', ') || '-',
    clock(c.updatedAt),
  ]);
}

export async function runMigStatus(ctx: Ctx, o: { json?: boolean }): Promise<number> {
  const s = await migStatus(ctx.client);
  if (o.json) {
    printJson(ctx.io, s);
    return 0;
  }
  if (s.changes.length === 0) {
    ctx.io.err('no MIG changes yet (`ds01 admin mig plan` shows what apply would do)\n');
    return 0;
  }
  ctx.io.out(
    table(
      ['CHANGE', 'GPU', 'STATE', 'DESIRED', 'DEADLINE', 'HOLDERS', 'UPDATED'],
      changeRows(s.changes),
      ctx.io,
    ),
  );
  for (const c of s.changes) {
    const last = c.steps.at(-1);
    if (c.state === 'failed') {
      ctx.io.out(prose(ctx.io, `#${c.id}: ${c.error}`));
      if (c.hint) ctx.io.out(prose(ctx.io, `#${c.id}: ${c.hint}`));
    } else if (last && c.state !== 'done' && c.state !== 'cancelled') {
      ctx.io.out(prose(ctx.io, `#${c.id}: ${last.step} ${last.outcome}: ${last.detail}`));
    }
  }
  return s.changes.some((c) => c.state === 'failed') ? 1 : 0;
}

export async function runMigCancel(ctx: Ctx, o: { gpu?: string[]; json?: boolean }): Promise<number> {
  const gpus = parseGpus(o.gpu);
  if (!gpus) throw new UsageError('give the GPU(s) whose change to cancel: --gpu N');
  const r = await migCancel(ctx.client, { gpus });
  if (o.json) {
    printJson(ctx.io, r);
    return 0;
  }
  for (const c of r.changes) {
    ctx.io.err(
      prose(
        ctx.io,
        `change #${c.id} on GPU ${c.gpuIndex} cancelled; the GPU is handed out again with the layout it has now`,
      ),
    );
  }
  return 0;
}

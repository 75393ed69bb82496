// The dashboard screen, pure: snapshot + width → lines. No line is wider than `width` (80 at least);
// wider terminals get full UUIDs and more of each reason. Colour only when asked (TTY, no NO_COLOR).
import pc from 'picocolors';
import type {
  DashboardData,
  DashboardGpu,
  DashboardSlot,
  DashboardSlotState,
  QueueEntryView,
} from '../../daemon/api/types/index.js';
import { cpuText, diskNearlyFull, diskText, memoryText } from './host.js';
import { duration, size, sizeMiB, clock as zonedClock } from './units.js';
import { describeWait } from './wait.js';

export interface RenderOptions {
  width: number;
  color: boolean;
  /** IANA zone for clock times (tests pin UTC); default: the machine's. */
  timeZone?: string;
  /** Recent events to show. */
  events?: number;
}

export const MIN_WIDTH = 80;
const ANSI = /\x1b\[[0-9;]*m/g;
export const visibleLength = (s: string) => s.replace(ANSI, '').length;

/** Cut to `w` visible characters, marking the cut with an ellipsis. */
export function clip(s: string, w: number): string {
  if (w <= 0) return '';
  return s.length > w ? `${s.slice(0, Math.max(0, w - 1))}…` : s;
}

const pad = (s: string, w: number) => clip(s, w) + ' '.repeat(Math.max(0, w - clip(s, w).length));

interface Column {
  header: string;
  /** Flexible columns give up width (down to `min`) when the line would not fit; fixed ones never do. */
  min?: number;
  align?: 'right';
  color?: (cell: string, row: number) => string;
}

/** Rows laid out in `width`: natural widths, flexible columns shrunk right-to-left until it fits. */
function layout(indent: number, cols: Column[], rows: string[][], width: number): string[] {
  const w = cols.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const total = () => indent + w.reduce((a, b) => a + b, 0) + 2 * (w.length - 1);
  for (let i = cols.length - 1; i >= 0 && total() > width; i--) {
    const min = cols[i]?.min;
    if (min === undefined) continue;
    w[i] = Math.max(min, (w[i] ?? 0) - (total() - width));
  }
  const line = (r: string[], ri: number, header: boolean) =>
    (
      ' '.repeat(indent) +
      cols
        .map((c, i) => {
          const width = w[i] ?? 0;
          const cell = clip(r[i] ?? '', width);
          const padded = c.align === 'right' ? ' '.repeat(width - cell.length) + cell : pad(cell, width);
          return !header && c.color ? c.color(padded, ri) : padded;
        })
        .join('  ')
    ).trimEnd();
  return [
    line(
      cols.map((c) => c.header),
      -1,
      true,
    ),
    ...rows.map((r, i) => line(r, i, false)),
  ];
}

// The caller decides (TTY, NO_COLOR); picocolors' own detection would look at the test runner instead.
const ON = pc.createColors(true);
const OFF = pc.createColors(false);
const painter = (on: boolean) => (on ? ON : OFF);

/** A time of day (the header above names the date and zone). */
function clock(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('hour')}:${get('minute')}:${get('second')}`;
}

const gib = sizeMiB;
const ratio = (used: number, max: number | null) =>
  `${Math.round(used * 100) / 100}/${max === null ? '∞' : Math.round(max * 100) / 100}`;

/** Left and right text on one line, the left clipped if both do not fit. */
function spread(left: string, right: string, width: number): string {
  const room = width - right.length - 2;
  if (room < 10) return clip(left, width);
  const l = clip(left, room);
  return `${l}${' '.repeat(width - l.length - right.length)}${right}`;
}

function gpuHeader(g: DashboardGpu, wide: boolean): string {
  const bits = [`GPU ${g.index}`, g.name || 'unknown GPU'];
  if (!g.present)
    return `${bits.join('  ')}  MISSING: nvidia-smi no longer reports it${wide ? ` (${g.uuid})` : ''}`;
  bits.push(g.migEnabled ? 'MIG' : 'whole');
  if (g.temperatureC !== null) bits.push(`${g.temperatureC}°C`);
  if (!g.migEnabled) bits.push(`util ${g.utilizationPct === null ? '-' : `${g.utilizationPct}%`}`);
  if (g.memoryMiB !== null)
    bits.push(`mem ${g.memoryUsedMiB === null ? '-' : gib(g.memoryUsedMiB)}/${gib(g.memoryMiB)}`);
  if (wide) bits.push(g.uuid);
  if (g.migEnabled && g.slots.length === 0) bits.push('no MIG instances');
  return bits.join('  ');
}

function slotNote(s: DashboardSlot, timeZone?: string): string {
  if (s.state === 'held') return s.holdUntil ? `until ${clock(s.holdUntil, timeZone)}` : 'until removed';
  if (s.state === 'drained' || (s.drainReason && s.state !== 'missing'))
    return s.drainReason ? `drained: ${s.drainReason}` : 'drained';
  if (s.health && s.state !== 'missing') return `${s.health.state}: ${s.health.reason}`;
  if (s.holder?.reserved) return 'deploying';
  return '';
}

function holderText(s: DashboardSlot): string {
  if (!s.holder) return s.state === 'missing' ? '' : '-';
  const h = s.holder;
  if (h.user === null) return h.label; // 'taken'
  return h.container ? `${h.user}/${h.container}` : h.user;
}

function wants(q: QueueEntryView): string {
  const g = q.gpu;
  const what = g.wholeGpu ? 'whole GPU' : (g.profile ?? 'any slot');
  return g.count > 1 ? `${g.count}× ${what}` : what;
}

export function renderDashboard(d: DashboardData, o: RenderOptions): string[] {
  const width = Math.max(MIN_WIDTH, Math.floor(o.width));
  const wide = width >= 140;
  const p = painter(o.color);
  const now = Date.parse(d.at);
  const stateColor: Record<DashboardSlotState, (s: string) => string> = {
    free: p.green,
    allocated: p.yellow,
    held: p.cyan,
    drained: p.magenta,
    missing: p.red,
  };
  const out: string[] = [];
  const heading = (s: string) => out.push(p.bold(clip(s, width)));

  out.push(p.bold(spread(`ds01 dashboard · ${d.host}`, zonedClock(d.at, { zone: o.timeZone }), width)));
  const versions = [
    `driver ${d.driverVersion ?? '-'}`,
    `CUDA ${d.cudaVersion ?? '-'}`,
    `ds01 ${d.version}`,
    d.viewer.admin ? `${d.viewer.name} (admin)` : d.viewer.name,
  ];
  out.push(clip(versions.join(' · '), width));
  if (d.resources) {
    const r = d.resources;
    const disk = diskText(r);
    const line = [cpuText(r), memoryText(r), ...(disk ? [disk] : [])].join(' · ');
    out.push(diskNearlyFull(r) ? p.yellow(clip(`${line}: nearly full`, width)) : clip(line, width));
  }
  const s = d.summary;
  const counts = (['free', 'allocated', 'held', 'drained', 'missing'] as const)
    .filter((k) => k === 'free' || k === 'allocated' || s[k] > 0)
    .map((k) => stateColor[k](`${s[k]} ${k}`));
  const mine = s.forYou
    ? ` · for you: ${s.forYou.canGet}${s.forYou.binding ? ` (${s.forYou.binding})` : ''}`
    : '';
  const summary = `${s.gpus} GPU${s.gpus === 1 ? '' : 's'} · ${s.slots} slot${s.slots === 1 ? '' : 's'}: ${counts.join(', ')} · queue ${s.queueLength}${mine}`;
  out.push(visibleLength(summary) <= width ? summary : clip(summary.replace(ANSI, ''), width));
  if (d.probeError)
    out.push(p.red(clip(`! GPU probe failed (showing the last inventory): ${d.probeError}`, width)));
  if (d.policyError)
    out.push(
      p.red(
        clip(
          `! policy file invalid, running on the last good policy: ${d.policyError.split('\n').join(' ')}`,
          width,
        ),
      ),
    );

  // GPUs and their slots: one column layout for every slot so the columns line up across GPUs.
  out.push('');
  if (d.gpus.length === 0) out.push(p.dim('No GPUs: nvidia-smi reports none; containers run CPU-only.'));
  const slots = d.gpus.flatMap((g) => g.slots);
  const table = layout(
    2,
    [
      { header: 'SLOT' },
      { header: 'PROFILE' },
      { header: 'MEM', align: 'right' },
      { header: 'STATE', color: (c, i) => stateColor[(slots[i] as DashboardSlot).state](c) },
      { header: 'HOLDER', min: 10 },
      { header: 'NOTE', min: 0 },
    ],
    slots.map((sl) => [
      wide ? sl.uuid : sl.uuid.slice(0, 12),
      sl.kind === 'full' ? 'whole' : (sl.profile ?? '?'),
      gib(sl.memoryMiB),
      sl.state,
      holderText(sl),
      slotNote(sl, o.timeZone),
    ]),
    width,
  );
  if (slots.length) out.push(p.dim(table[0] as string));
  let row = 1;
  for (const g of d.gpus) {
    const head = clip(gpuHeader(g, wide), width);
    out.push(g.present ? p.bold(head) : p.red(head));
    for (const _ of g.slots) out.push(table[row++] as string);
  }

  // A Slurm cluster: every node's ds01d as it answered (an unreachable one says why).
  const nodes = d.nodes ?? [];
  if (nodes.length) {
    out.push('');
    const down = nodes.filter((n) => !n.reachable).length;
    heading(`NODES  ${nodes.length - down} answering${down ? `, ${down} unreachable` : ''}`);
    const rows = nodes.map((n) => {
      const s = n.summary;
      return [
        n.self ? `${n.name} (here)` : n.name,
        n.reachable ? 'up' : 'unreachable',
        s ? String(s.gpus) : '-',
        s ? `${s.free}/${s.slots}` : '-',
        s ? String(s.jobs.running) : '-',
        n.error ?? '',
      ];
    });
    out.push(
      ...layout(
        2,
        [
          { header: 'NODE', min: 6 },
          {
            header: 'DS01D',
            color: (c, i) => ((nodes[i] as { reachable: boolean }).reachable ? c : p.red(c)),
          },
          { header: 'GPUS', align: 'right' },
          { header: 'FREE', align: 'right' },
          { header: 'JOBS', align: 'right' },
          { header: 'NOTE', min: 0 },
        ],
        rows,
        width,
      ).map((l, i) => (i === 0 ? p.dim(l) : l)),
    );
  }

  // The queue: everyone's length, the entries this viewer may see.
  const waiting = d.queue.filter((q) => q.state === 'waiting');
  out.push('');
  const others = s.queueLength - waiting.length;
  heading(
    `QUEUE  ${s.queueLength} waiting${!d.viewer.admin && others > 0 ? ` (${others} of others not shown)` : ''}`,
  );
  if (waiting.length) {
    const rows = waiting.map((q) => [
      String(q.position ?? '-'),
      String(q.id),
      q.owner,
      wants(q),
      duration(now - Date.parse(q.enqueuedAt)),
      describeWait(q.wait, now),
      q.note ?? '',
    ]);
    out.push(
      ...layout(
        2,
        [
          { header: '#', align: 'right' },
          { header: 'ID', align: 'right' },
          { header: 'USER', min: 8 },
          { header: 'WANTS', min: 8 },
          { header: 'WAITING' },
          { header: 'ETA' },
          { header: 'NOTE', min: 0 },
        ],
        rows,
        width,
      ).map((l, i) => (i === 0 ? p.dim(l) : l)),
    );
  } else if (s.queueLength === 0) out.push(p.dim('  nobody is waiting'));

  // Batch jobs: everyone's for admins, the viewer's own otherwise (per user in the usage table below).
  out.push('');
  const j = s.jobs;
  heading(`JOBS  ${j.running} running, ${j.queued} queued${d.viewer.admin ? '' : ' (yours)'}`);

  // Bookings in their window now or starting within a day (others are "someone" unless an admin looks).
  const books = d.bookings ?? [];
  if (books.length) {
    out.push('');
    heading(
      `BOOKINGS  ${books.filter((b) => b.active).length} active, ${books.filter((b) => !b.active).length} in the next 24h`,
    );
    const rows = books.map((b) => [
      String(b.id),
      b.maintenance ? 'maintenance' : (b.owner ?? 'someone'),
      `${b.slots}× ${b.profile ?? 'slot'}${b.gpuIndexes.length ? ` (GPU ${b.gpuIndexes.join(',')})` : ''}`,
      `${clock(b.from, o.timeZone)}–${clock(b.to, o.timeZone)}`,
      b.active
        ? b.state === 'used'
          ? 'in use'
          : 'active, unused'
        : `in ${duration(Date.parse(b.from) - now)}`,
    ]);
    out.push(
      ...layout(
        2,
        [
          { header: 'ID', align: 'right' },
          { header: 'USER', min: 8 },
          { header: 'WHAT', min: 8 },
          { header: 'WHEN' },
          { header: 'STATE', min: 0 },
        ],
        rows,
        width,
      ).map((l, i) => (i === 0 ? p.dim(l) : l)),
    );
  }

  // Usage against quota.
  out.push('');
  heading(d.viewer.admin ? 'USAGE (users holding GPUs or containers)' : 'YOUR USAGE');
  if (d.usage.length) {
    const rows = d.usage.map((u) => [
      u.user,
      u.group,
      ratio(u.slots, u.maxSlots),
      ratio(u.gpuEquivalents, u.maxGpuEquivalents),
      ratio(u.containers, u.maxContainers),
      String(u.queued),
      `${u.jobsRunning}/${u.jobsQueued}`,
    ]);
    out.push(
      ...layout(
        2,
        [
          { header: 'USER', min: 8 },
          { header: 'GROUP', min: 6 },
          { header: 'SLOTS' },
          { header: 'GPU-EQ' },
          { header: 'CONTAINERS' },
          { header: 'QUEUED', align: 'right' },
          { header: 'JOBS R/Q', align: 'right' },
        ],
        rows,
        width,
      ).map((l, i) => (i === 0 ? p.dim(l) : l)),
    );
  } else out.push(p.dim('  nothing in use'));

  // Storage quotas: the viewer's own; for admins, the users at or over a warning level.
  if (d.storage?.length) {
    out.push('');
    heading(d.viewer.admin ? 'DISK (users near or over a storage quota)' : 'YOUR DISK');
    const rows = d.storage.map((s) => [
      s.user,
      s.kind === 'workspace' ? '~/workspace' : 'images',
      `${size(s.usedBytes)} / ${size(s.hardBytes)}`,
      `${s.hardBytes ? Math.floor((s.usedBytes / s.hardBytes) * 100) : 100}%`,
      s.level === 'hard' ? p.red('over') : s.level === 'soft' ? p.yellow('warning') : 'ok',
    ]);
    out.push(
      ...layout(
        2,
        [
          { header: 'USER', min: 8 },
          { header: 'WHAT' },
          { header: 'USED / QUOTA' },
          { header: 'USE', align: 'right' },
          { header: 'STATE' },
        ],
        rows,
        width,
      ).map((l, i) => (i === 0 ? p.dim(l) : l)),
    );
  }

  // Recent events, newest last.
  const recent = d.events.slice(-(o.events ?? 6));
  out.push('');
  heading('RECENT EVENTS');
  if (!recent.length) out.push(p.dim('  none'));
  for (const e of recent) {
    const who = e.containerName ? `${e.actor} ${e.containerName}` : e.actor;
    out.push(
      clip(`  ${clock(e.ts, o.timeZone)}  ${e.kind}  ${who}${e.reason ? `: ${e.reason}` : ''}`, width),
    );
  }
  return out.map((l) => (visibleLength(l) > width ? clip(l.replace(ANSI, ''), width) : l));
}

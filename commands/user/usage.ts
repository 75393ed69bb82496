// `ds01 usage [--from --to] [--by user|group] [--jobs] [--json|--csv]`: GPU-hours allocated and actually
// busy, idle waste and queue waits over a period (default: the last 30 days), or with --jobs GPU-hours by
// batch job. Plain users get their own rows.
import type { UsageJob, UsageReport, UsageRow } from '../../daemon/api/types/index.js';
import { usage } from '../lib/admin.js';
import type { Ctx } from '../lib/context.js';
import { printJson, prose, table } from '../lib/output.js';
import { clock, duration, gpuHours } from '../lib/units.js';

export interface UsageOpts {
  from?: string;
  to?: string;
  by?: string;
  json?: boolean;
  csv?: boolean;
  jobs?: boolean;
}

const COLUMNS: [keyof UsageRow, string][] = [
  ['allocations', 'allocations'],
  ['allocatedGpuHours', 'allocated_gpu_hours'],
  ['busyGpuHours', 'busy_gpu_hours'],
  ['idleGpuHours', 'idle_gpu_hours'],
  ['unmeasuredGpuHours', 'unmeasured_gpu_hours'],
  ['queueEntries', 'queue_entries'],
  ['queueWaitHours', 'queue_wait_hours'],
  ['maxQueueWaitHours', 'max_queue_wait_hours'],
];

/** RFC 4180: quote fields with a comma, quote or newline; double the quotes. */
export function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function usageCsv(r: UsageReport): string {
  const head = [r.by, 'users', ...COLUMNS.map(([, h]) => h), 'from', 'to'];
  const lines = r.rows.map((row) =>
    [row.key, row.users.join(' '), ...COLUMNS.map(([k]) => row[k] as number), r.from, r.to]
      .map(csvField)
      .join(','),
  );
  return `${[head.join(','), ...lines].join('\n')}\n`;
}

const JOB_COLUMNS: [keyof UsageJob, string][] = [
  ['id', 'job'],
  ['user', 'user'],
  ['name', 'name'],
  ['state', 'state'],
  ['exitCode', 'exit_code'],
  ['startedAt', 'started_at'],
  ['endedAt', 'ended_at'],
  ['gpuEquivalents', 'gpu_equivalents'],
  ['gpuHours', 'gpu_hours'],
];

export function jobsCsv(r: UsageReport): string {
  const lines = r.jobs.map((j) => JOB_COLUMNS.map(([k]) => csvField(j[k] ?? '')).join(','));
  return `${[JOB_COLUMNS.map(([, h]) => h).join(','), ...lines].join('\n')}\n`;
}

/** The --jobs table: one row per job, narrow enough for 80 columns (the name gives way first). */
export function jobsTable(r: UsageReport, now: number): { headers: string[]; rows: string[][] } {
  return {
    headers: ['JOB', 'USER', 'NAME', 'STATE', 'EXIT', 'RAN', 'GPU-H'],
    rows: r.jobs.map((j) => [
      String(j.id),
      j.user,
      j.name,
      j.state,
      j.exitCode === null ? '-' : String(j.exitCode),
      duration((j.endedAt ? Date.parse(j.endedAt) : now) - Date.parse(j.startedAt)),
      gpuHours(j.gpuHours),
    ]),
  };
}

const h = gpuHours;
const wait = (hours: number) => duration(hours * 3_600_000);

export async function runUsage(ctx: Ctx, o: UsageOpts): Promise<number> {
  if (o.by !== undefined && o.by !== 'user' && o.by !== 'group') {
    ctx.io.err('ds01: --by is user or group\n');
    return 2;
  }
  if (o.json && o.csv) {
    ctx.io.err('ds01: choose one of --json and --csv\n');
    return 2;
  }
  const r = await usage(ctx.client, { from: o.from, to: o.to, by: o.by });
  if (o.json) {
    printJson(ctx.io, r);
    return 0;
  }
  if (o.csv) {
    ctx.io.out(o.jobs ? jobsCsv(r) : usageCsv(r));
    return 0;
  }
  if (o.jobs) {
    ctx.io.err(
      prose(
        ctx.io,
        `GPU-hours by batch job ${clock(r.from, { seconds: false })} → ${clock(r.to, { seconds: false })} (the part of each run inside the period)`,
      ),
    );
    const t = jobsTable(r, Date.parse(r.to));
    ctx.io.out(table(t.headers, t.rows, ctx.io));
    if (!r.jobs.length) ctx.io.err('no batch job ran in this period\n');
    return 0;
  }
  ctx.io.err(
    prose(
      ctx.io,
      `GPU-hours ${clock(r.from, { seconds: false })} → ${clock(r.to, { seconds: false })} (busy: GPU ≥ ${r.busyThresholdPct}% or a process on a MIG slice; unmeasured: no idle samples)`,
    ),
  );
  const t = r.totals;
  ctx.io.out(
    table(
      [
        r.by === 'group' ? 'GROUP' : 'USER',
        'ALLOCATED',
        'BUSY',
        'IDLE',
        'UNMEASURED',
        'QUEUED',
        'WAITED',
        'MAX WAIT',
      ],
      [
        ...r.rows.map((x) => [
          x.key,
          h(x.allocatedGpuHours),
          h(x.busyGpuHours),
          h(x.idleGpuHours),
          h(x.unmeasuredGpuHours),
          String(x.queueEntries),
          wait(x.queueWaitHours),
          wait(x.maxQueueWaitHours),
        ]),
        ...(r.rows.length > 1
          ? [
              [
                'TOTAL',
                h(t.allocatedGpuHours),
                h(t.busyGpuHours),
                h(t.idleGpuHours),
                h(t.unmeasuredGpuHours),
                String(t.queueEntries),
                wait(t.queueWaitHours),
                wait(t.maxQueueWaitHours),
              ],
            ]
          : []),
      ],
      ctx.io,
    ),
  );
  if (!r.rows.length) ctx.io.err('no GPU use or queue waits in this period\n');
  const b = r.bookings ?? [];
  if (b.length) {
    ctx.io.err(
      prose(
        ctx.io,
        'advance bookings: GPU-hours booked and the part the booker used (no-shows show as unused)',
      ),
    );
    ctx.io.out(
      table(
        ['BOOKER', 'BOOKINGS', 'NO-SHOWS', 'BOOKED', 'USED'],
        b.map((x) => [x.user, String(x.bookings), String(x.noShows), h(x.bookedGpuHours), h(x.usedGpuHours)]),
        ctx.io,
      ),
    );
  }
  return 0;
}

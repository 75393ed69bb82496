// `ds01 admin report --month YYYY-MM [--csv|--json]`: a month's GPU use per user and per group (GPU-hours
// allocated, busy, idle waste, jobs, queue waits) and the top idle offenders. The daemon builds it from
// the usage service's own reports, so it agrees with `ds01 usage` over the same month.
import type { MonthReport, MonthReportRow } from '../../daemon/api/types/index.js';
import { monthReport } from '../lib/admin.js';
import type { Ctx } from '../lib/context.js';
import { printJson, prose, table } from '../lib/output.js';
import { UsageError } from '../lib/prompts.js';
import { duration, gpuHours, percent } from '../lib/units.js';
import { csvField } from '../user/usage.js';

const COLUMNS: [keyof MonthReportRow, string][] = [
  ['allocations', 'allocations'],
  ['allocatedGpuHours', 'allocated_gpu_hours'],
  ['busyGpuHours', 'busy_gpu_hours'],
  ['idleGpuHours', 'idle_gpu_hours'],
  ['unmeasuredGpuHours', 'unmeasured_gpu_hours'],
  ['jobs', 'jobs'],
  ['jobGpuHours', 'job_gpu_hours'],
  ['queueEntries', 'queue_entries'],
  ['queueWaitHours', 'queue_wait_hours'],
  ['maxQueueWaitHours', 'max_queue_wait_hours'],
];

/** One CSV for a spreadsheet: a row per user, then per group (`scope` says which). */
export function monthCsv(r: MonthReport): string {
  const head = ['month', 'scope', 'name', 'users', ...COLUMNS.map(([, h]) => h)];
  const lines = [
    ...r.users.map((u) => ['user', u] as const),
    ...r.groups.map((g) => ['group', g] as const),
  ].map(([scope, x]) =>
    [r.month, scope, x.key, x.users.join(' '), ...COLUMNS.map(([k]) => x[k] as number)]
      .map(csvField)
      .join(','),
  );
  return `${[head.join(','), ...lines].join('\n')}\n`;
}

const wait = (hours: number) => duration(hours * 3_600_000);

function rowsTable(ctx: Ctx, first: string, rows: MonthReportRow[]): string {
  return table(
    [first, 'ALLOCATED', 'BUSY', 'IDLE', 'JOBS', 'QUEUED', 'WAITED'],
    rows.map((x) => [
      x.key,
      gpuHours(x.allocatedGpuHours),
      gpuHours(x.busyGpuHours),
      gpuHours(x.idleGpuHours),
      String(x.jobs),
      String(x.queueEntries),
      wait(x.queueWaitHours),
    ]),
    ctx.io,
  );
}

export async function runAdminReport(
  ctx: Ctx,
  o: { month?: string; json?: boolean; csv?: boolean },
): Promise<number> {
  if (o.json && o.csv) throw new UsageError('choose one of --json and --csv');
  if (!o.month) throw new UsageError('give the month: --month YYYY-MM (e.g. --month 2026-10)');
  const r = await monthReport(ctx.client, o.month);
  if (o.json) {
    printJson(ctx.io, r);
    return 0;
  }
  if (o.csv) {
    ctx.io.out(monthCsv(r));
    return 0;
  }
  const t = r.totals;
  ctx.io.err(
    prose(
      ctx.io,
      `GPU use in ${r.month} (UTC): ${gpuHours(t.allocatedGpuHours)} GPU-hours allocated, ${gpuHours(t.busyGpuHours)} busy, ${gpuHours(t.idleGpuHours)} idle, ${gpuHours(t.unmeasuredGpuHours)} unmeasured; ${t.jobs} job(s); ${t.queueEntries} queued deploy(s) (busy: GPU ≥ ${r.busyThresholdPct}% or a process on a MIG slice)`,
    ),
  );
  if (!r.users.length) {
    ctx.io.err('no GPU use or queue waits in this month\n');
    return 0;
  }
  ctx.io.out(`\nPer user\n${rowsTable(ctx, 'USER', r.users)}`);
  ctx.io.out(`\nPer group\n${rowsTable(ctx, 'GROUP', r.groups)}`);
  if (r.topIdle.length) {
    ctx.io.out('\nMost idle GPU time\n');
    ctx.io.out(
      table(
        ['USER', 'IDLE', 'OF ALLOCATED', 'SHARE'],
        r.topIdle.map((x) => [
          x.user,
          gpuHours(x.idleGpuHours),
          gpuHours(x.allocatedGpuHours),
          percent(x.idleShare * 100),
        ]),
        ctx.io,
      ),
    );
  }
  return 0;
}

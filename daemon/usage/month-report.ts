// `ds01 admin report --month YYYY-MM`, pure: the month's bounds, and the report assembled from the usage
// service's own reports (per user and per group) so its numbers are the usage service's by construction.
import type { MonthReport, MonthReportRow, UsageReport } from '../api/types/usage.js';

export const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** [from, to) of a calendar month in UTC, or null when `month` is not YYYY-MM. */
export function monthBounds(month: string): { from: number; to: number } | null {
  const m = MONTH.exec(month);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  return { from: Date.UTC(y, mo - 1, 1), to: Date.UTC(y, mo, 1) };
}

const TOP_IDLE = 5;
const round = (n: number) => Math.round(n * 1e6) / 1e6;

export function buildMonthReport(month: string, byUser: UsageReport, byGroup: UsageReport): MonthReport {
  const jobsOf = (users: readonly string[]) => {
    const mine = byUser.jobs.filter((j) => users.includes(j.user));
    return { jobs: mine.length, jobGpuHours: round(mine.reduce((s, j) => s + j.gpuHours, 0)) };
  };
  // A user with jobs but no allocation row still appears (jobs hold allocations, so this is rare).
  const users: MonthReportRow[] = byUser.rows.map((r) => ({ ...r, ...jobsOf([r.key]) }));
  const groups: MonthReportRow[] = byGroup.rows.map((r) => ({ ...r, ...jobsOf(r.users) }));
  const topIdle = [...users]
    .filter((u) => u.idleGpuHours > 0)
    .sort((a, b) => b.idleGpuHours - a.idleGpuHours || a.key.localeCompare(b.key))
    .slice(0, TOP_IDLE)
    .map((u) => ({
      user: u.key,
      idleGpuHours: u.idleGpuHours,
      allocatedGpuHours: u.allocatedGpuHours,
      idleShare: u.allocatedGpuHours > 0 ? round(u.idleGpuHours / u.allocatedGpuHours) : 0,
    }));
  return {
    month,
    from: byUser.from,
    to: byUser.to,
    busyThresholdPct: byUser.busyThresholdPct,
    users,
    groups,
    totals: {
      ...byUser.totals,
      jobs: byUser.jobs.length,
      jobGpuHours: round(byUser.jobs.reduce((s, j) => s + j.gpuHours, 0)),
    },
    topIdle,
  };
}

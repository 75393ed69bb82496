// `ds01 usage`: GPU-hours per user or group over a period. Reads the store, the pure maths is in
// usage/accounting.ts. Plain users see their own usage; admins everyone's and per group.

import type { MonthReport, UsageReport } from '../api/types/usage.js';
import { bookingUsage } from '../booking/accounting.js';
import type { Clock } from '../clock.js';
import { badRequest, Ds01Error } from '../errors.js';
import type { Caller } from '../identity/caller.js';
import type { AccountLookup } from '../identity/nss.js';
import { resolveGroup } from '../policy/resolve.js';
import type { Store } from '../store/index.js';
import type { ReportQueries } from '../store/reports.js';
import { computeUsage, MAX_SAMPLE_GAP_MS, totalUsage, type UsageBy } from '../usage/accounting.js';
import { jobUsage } from '../usage/jobs.js';
import { buildMonthReport, monthBounds } from '../usage/month-report.js';
import type { PolicyService } from './policy.js';

const DAY = 86_400_000;

/** ISO time, a date, or a duration ago (30m, 12h, 7d); `now` is accepted for `to`. */
export function parseWhen(s: string | undefined, name: string, now: number, fallback: number): number {
  if (s === undefined || s.trim() === '') return fallback;
  const t = s.trim();
  if (t === 'now') return now;
  const rel = /^(\d+(?:\.\d+)?)(m|h|d|w)$/.exec(t);
  if (rel) {
    const unit = { m: 60_000, h: 3600_000, d: DAY, w: 7 * DAY }[rel[2] as 'm' | 'h' | 'd' | 'w'];
    return now - Number(rel[1]) * unit;
  }
  const ms = Date.parse(t);
  if (Number.isNaN(ms))
    throw badRequest(
      `--${name} "${s}" is not a time`,
      'give an ISO date/time (2025-03-01, 2025-03-01T09:00Z) or a duration ago (12h, 7d, 4w)',
    );
  return ms;
}

export class UsageService {
  private readonly q: ReportQueries;
  private readonly samples: Store['samples'];

  constructor(
    private readonly store: Store,
    private readonly policy: PolicyService,
    private readonly accounts: AccountLookup,
    private readonly clock: Clock,
  ) {
    this.q = store.reports;
    this.samples = store.samples;
  }

  /** `ds01 admin report --month YYYY-MM`: this service's own reports for that month, per user and group. */
  async monthReport(caller: Caller, month: string): Promise<MonthReport> {
    if (!caller.admin)
      throw new Ds01Error(
        'FORBIDDEN',
        'the monthly report is for ds01 admins',
        'run `ds01 usage` for your own',
      );
    const b = monthBounds(month);
    if (!b) throw badRequest(`--month "${month}" is not a month`, 'give it as YYYY-MM, e.g. --month 2026-10');
    if (b.from > this.clock.now())
      throw badRequest(`${month} has not begun yet`, 'give this month or an earlier one');
    const period = { from: new Date(b.from).toISOString(), to: new Date(b.to).toISOString() };
    const [byUser, byGroup] = [
      await this.report(caller, { ...period, by: 'user' }),
      await this.report(caller, { ...period, by: 'group' }),
    ];
    return buildMonthReport(month, byUser, byGroup);
  }

  async report(caller: Caller, opts: { from?: string; to?: string; by?: UsageBy }): Promise<UsageReport> {
    const now = this.clock.now();
    const to = parseWhen(opts.to, 'to', now, now);
    const from = parseWhen(opts.from, 'from', now, to - 30 * DAY);
    if (from >= to)
      throw badRequest(
        '--from must be before --to',
        'e.g. --from 7d (the last week) or --from 2025-03-01 --to 2025-04-01',
      );
    const by = opts.by ?? 'user';
    if (by === 'group' && !caller.admin)
      throw new Ds01Error('FORBIDDEN', 'usage per group is for ds01 admins', 'run `ds01 usage` for your own');
    const own = caller.admin ? undefined : caller.uid;
    const allocations = this.q.allocationsBetween(from, to, own);
    const queue = this.q.queueBetween(from, to, own);
    // Names (a bare reservation has no container row) and groups come from NSS and the live policy.
    const accts = new Map<number, { name: string; groups: string[] }>();
    for (const uid of new Set([...allocations.map((a) => a.ownerUid), ...queue.map((e) => e.ownerUid)])) {
      const a = await this.accounts.byUid(uid).catch(() => null);
      accts.set(uid, { name: a?.name ?? String(uid), groups: a?.groups ?? [] });
    }
    for (const a of allocations) a.ownerName ??= accts.get(a.ownerUid)?.name ?? String(a.ownerUid);
    const policy = this.policy.current();
    const ids = allocations.flatMap((a) => (a.containerId ? [a.containerId] : []));
    const rows = computeUsage({
      from,
      to,
      now,
      by,
      allocations,
      samples: this.q.samplesFor(ids, from - MAX_SAMPLE_GAP_MS, to),
      rollups: this.samples.rollupsFor(ids, from, to),
      queue,
      busyThresholdPct: policy.lifecycle.gpuIdleThresholdPct,
      maxSampleGapMs: MAX_SAMPLE_GAP_MS,
      groupOf: (uid, name) => resolveGroup(policy, { name, groups: accts.get(uid)?.groups ?? [] }).group,
    });
    return {
      from: new Date(from).toISOString(),
      to: new Date(Math.min(to, now)).toISOString(),
      by,
      busyThresholdPct: policy.lifecycle.gpuIdleThresholdPct,
      scope: own === undefined ? 'all' : 'own',
      rows,
      totals: totalUsage(rows),
      jobs: jobUsage(
        this.store.jobs.ranBetween(from, to, own).map((j) => ({
          id: j.id,
          ownerName: j.owner_name,
          name: j.name,
          state: j.state,
          exitCode: j.exit_code,
          startedAt: j.started_at,
          endedAt: j.ended_at,
          gpuEquivalents: j.gpu_equivalents,
        })),
        from,
        to,
        now,
      ),
      bookings: this.bookingRows(from, to, now, own),
    };
  }

  /** Booked vs used GPU-hours per booker (so no-shows show). */
  private bookingRows(from: number, to: number, now: number, own: number | undefined) {
    const rows = this.store.bookings.between(from, to, own);
    const weight = (u: string) => this.store.slots.get(u)?.gpu_equivalents ?? 0;
    return bookingUsage(
      rows.map((b) => ({
        id: b.id,
        owner: b.owner_name,
        state: b.state,
        maintenance: b.maintenance === 1,
        from: b.from_ms,
        to: b.to_ms,
        endedAt: b.ended_at,
        slots: b.slots.map((uuid) => ({ uuid, gpuEquivalents: weight(uuid) })),
      })),
      (id) => {
        const b = rows.find((x) => x.id === id);
        return b ? this.store.bookings.spans(b) : [];
      },
      from,
      to,
      now,
    );
  }
}

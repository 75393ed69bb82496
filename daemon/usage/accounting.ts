// GPU-hours over a period, pure. Allocated = each allocation's [allocated_at, released_at or now) clipped to
// the period, times the slot's GPU-equivalents. Busy = the part of that time whose idle samples showed GPU
// work (utilisation at/over the threshold, or a process on a MIG slice that reports no utilisation). Time
// with no sample is "unmeasured", never guessed busy or idle; idle = measured − busy. Queue waits are
// [enqueued_at, ended_at or now) clipped to the period.

import type { UsageRow } from '../api/types/usage.js';

export interface UsageAllocation {
  ownerUid: number;
  ownerName: string;
  slotUuid: string;
  containerId: string | null;
  gpuEquivalents: number;
  allocatedAt: number;
  releasedAt: number | null;
}

export interface UsageSample {
  containerId: string;
  ts: number;
  gpuUtilPct: number | null;
  gpuProcesses: number | null;
}

export interface UsageQueueEntry {
  ownerUid: number;
  ownerName: string;
  enqueuedAt: number;
  endedAt: number | null;
  state: string;
}

export type UsageBy = 'user' | 'group';

export interface UsageInput {
  from: number;
  to: number;
  now: number;
  by: UsageBy;
  allocations: readonly UsageAllocation[];
  /** Samples of the containers above, any order. */
  samples: readonly UsageSample[];
  /** Hourly rollups of samples already pruned (disjoint from `samples` by construction). */
  rollups?: readonly UsageRollup[];
  queue: readonly UsageQueueEntry[];
  /** Utilisation at or over this is busy (the policy's gpu_idle_threshold). */
  busyThresholdPct: number;
  /** A sample speaks for at most this long after it (a daemon that was down measured nothing). */
  maxSampleGapMs: number;
  /** The group a user counts under (policy). */
  groupOf: (uid: number, name: string) => string;
}

/** One row of the report: the wire type, computed here. */
export type UsageRowData = UsageRow;

const HOUR = 3600_000;
/** A sample speaks for at most this long: longer gaps mean sampling stopped (daemon down). */
export const MAX_SAMPLE_GAP_MS = 10 * 60_000;

/** The time pruned samples of one container spoke for within one hour (epoch ms of its start). */
export interface UsageRollup {
  containerId: string;
  hour: number;
  measuredMs: number;
  busyMs: number;
}

/** Length of the overlap of [a0, a1) and [b0, b1). */
export function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

export function isBusy(s: UsageSample, thresholdPct: number): boolean {
  if (s.gpuUtilPct !== null) return s.gpuUtilPct >= thresholdPct;
  return (s.gpuProcesses ?? 0) > 0;
}

interface Span {
  start: number;
  end: number;
  busy: boolean;
}

/**
 * Each sample speaks for the time until the next one (at most maxGap); the last one for the median gap
 * between this container's samples (at most maxGap), or nothing when it is alone.
 */
export function sampleSpans(samples: readonly UsageSample[], thresholdPct: number, maxGap: number): Span[] {
  const sorted = [...samples].sort((a, b) => a.ts - b.ts);
  const gaps = sorted.slice(1).map((s, i) => s.ts - (sorted[i] as UsageSample).ts);
  const median = gaps.length ? ([...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] as number) : 0;
  return sorted.map((s, i) => {
    const next = sorted[i + 1];
    const len = Math.min(next ? next.ts - s.ts : median, maxGap);
    return { start: s.ts, end: s.ts + len, busy: isBusy(s, thresholdPct) };
  });
}

/**
 * What the samples about to be pruned spoke for, per hour: `samples` are all of one container's samples
 * (so each doomed sample's successor is there to end its span), `doomed` says which are being deleted.
 * Only doomed samples' spans are rolled up, so rollups and the samples left never count the same time.
 */
export function rollupSamples(
  containerId: string,
  samples: readonly UsageSample[],
  doomed: (s: UsageSample) => boolean,
  thresholdPct: number,
  maxGap: number,
): UsageRollup[] {
  const sorted = [...samples].sort((a, b) => a.ts - b.ts);
  const spans = sampleSpans(sorted, thresholdPct, maxGap);
  const byHour = new Map<number, UsageRollup>();
  sorted.forEach((s, i) => {
    const sp = spans[i] as Span;
    if (!doomed(s)) return;
    for (let h = Math.floor(sp.start / HOUR) * HOUR; h < sp.end; h += HOUR) {
      const ms = overlap(sp.start, sp.end, h, h + HOUR);
      if (ms <= 0) continue;
      const r = byHour.get(h) ?? { containerId, hour: h, measuredMs: 0, busyMs: 0 };
      r.measuredMs += ms;
      if (sp.busy) r.busyMs += ms;
      byHour.set(h, r);
    }
  });
  return [...byHour.values()].sort((a, b) => a.hour - b.hour);
}

const round = (h: number) => Math.round(h * 1000) / 1000;

export function computeUsage(i: UsageInput): UsageRowData[] {
  const to = Math.min(i.to, i.now);
  const spansByContainer = new Map<string, Span[]>();
  const samplesByContainer = new Map<string, UsageSample[]>();
  for (const s of i.samples) {
    const list = samplesByContainer.get(s.containerId) ?? [];
    list.push(s);
    samplesByContainer.set(s.containerId, list);
  }
  for (const [id, list] of samplesByContainer)
    spansByContainer.set(id, sampleSpans(list, i.busyThresholdPct, i.maxSampleGapMs));
  const rollupsByContainer = new Map<string, UsageRollup[]>();
  for (const r of i.rollups ?? []) {
    const list = rollupsByContainer.get(r.containerId) ?? [];
    list.push(r);
    rollupsByContainer.set(r.containerId, list);
  }

  const rows = new Map<string, UsageRowData & { users: string[] }>();
  const row = (uid: number, name: string) => {
    const key = i.by === 'user' ? name : i.groupOf(uid, name);
    let r = rows.get(key);
    if (!r) {
      r = {
        key,
        users: [],
        allocations: 0,
        allocatedGpuHours: 0,
        measuredGpuHours: 0,
        busyGpuHours: 0,
        idleGpuHours: 0,
        unmeasuredGpuHours: 0,
        queueEntries: 0,
        queueWaitHours: 0,
        maxQueueWaitHours: 0,
      };
      rows.set(key, r);
    }
    if (!r.users.includes(name)) r.users.push(name);
    return r;
  };

  for (const a of i.allocations) {
    const start = Math.max(a.allocatedAt, i.from);
    const end = Math.min(a.releasedAt ?? i.now, to);
    if (end <= start) continue;
    const r = row(a.ownerUid, a.ownerName);
    r.allocations++;
    r.allocatedGpuHours += ((end - start) / HOUR) * a.gpuEquivalents;
    let measured = 0;
    let busy = 0;
    for (const sp of a.containerId ? (spansByContainer.get(a.containerId) ?? []) : []) {
      const ms = overlap(sp.start, sp.end, start, end);
      measured += ms;
      if (sp.busy) busy += ms;
    }
    // A rollup is spread evenly over its hour: exact for whole hours, proportional where the allocation
    // or the period covers part of one.
    for (const ru of a.containerId ? (rollupsByContainer.get(a.containerId) ?? []) : []) {
      const share = overlap(ru.hour, ru.hour + HOUR, start, end) / HOUR;
      measured += ru.measuredMs * share;
      busy += ru.busyMs * share;
    }
    r.measuredGpuHours += (measured / HOUR) * a.gpuEquivalents;
    r.busyGpuHours += (busy / HOUR) * a.gpuEquivalents;
  }

  for (const q of i.queue) {
    const wait = overlap(q.enqueuedAt, q.endedAt ?? i.now, i.from, to);
    if (wait <= 0 && !(q.enqueuedAt >= i.from && q.enqueuedAt < to)) continue;
    const r = row(q.ownerUid, q.ownerName);
    r.queueEntries++;
    r.queueWaitHours += wait / HOUR;
    r.maxQueueWaitHours = Math.max(r.maxQueueWaitHours, wait / HOUR);
  }

  return [...rows.values()]
    .map((r) => ({
      ...r,
      users: [...r.users].sort(),
      allocatedGpuHours: round(r.allocatedGpuHours),
      measuredGpuHours: round(r.measuredGpuHours),
      busyGpuHours: round(r.busyGpuHours),
      idleGpuHours: round(r.measuredGpuHours - r.busyGpuHours),
      unmeasuredGpuHours: round(r.allocatedGpuHours - r.measuredGpuHours),
      queueWaitHours: round(r.queueWaitHours),
      maxQueueWaitHours: round(r.maxQueueWaitHours),
    }))
    .sort((a, b) => b.allocatedGpuHours - a.allocatedGpuHours || a.key.localeCompare(b.key));
}

/** Totals over rows (for the footer and --json). */
export function totalUsage(rows: readonly UsageRowData[]): Omit<UsageRowData, 'key' | 'users'> {
  const sum = (k: keyof UsageRowData) => round(rows.reduce((a, r) => a + (r[k] as number), 0));
  return {
    allocations: sum('allocations'),
    allocatedGpuHours: sum('allocatedGpuHours'),
    measuredGpuHours: sum('measuredGpuHours'),
    busyGpuHours: sum('busyGpuHours'),
    idleGpuHours: sum('idleGpuHours'),
    unmeasuredGpuHours: sum('unmeasuredGpuHours'),
    queueEntries: sum('queueEntries'),
    queueWaitHours: sum('queueWaitHours'),
    maxQueueWaitHours: round(Math.max(0, ...rows.map((r) => r.maxQueueWaitHours))),
  };
}

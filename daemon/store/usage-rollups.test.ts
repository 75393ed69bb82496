// Hourly usage rollups against a real SQLite store: samples are pruned after hours, yet a 7-day report is
// still measured, from the rollups written before each prune.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeUsage, MAX_SAMPLE_GAP_MS } from '../usage/accounting.js';
import { Store } from './index.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 10, 1);
const RETENTION = 6 * HOUR;

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds01-rollups-'));
  store = Store.open(join(dir, 'ds01.db'));
  store.tx(() =>
    store.slots.sync(
      [
        {
          uuid: 'MIG-1',
          parentUuid: 'GPU-aaaa',
          gpuIndex: 0,
          kind: 'mig' as const,
          profile: '3g.40gb',
          migDeviceIndex: 0,
          gi: 1,
          ci: 0,
          memoryMiB: 40_000,
          computeSlices: 7,
          gpuEquivalents: 1,
        },
      ],
      new Map(),
      1,
    ),
  );
  store.containers.insert({
    id: 'c1',
    name: 'p._.1000',
    project: 'p',
    owner_uid: 1000,
    owner_name: 'alice',
    image: 'img',
    state: 'running',
    created_at: T0,
  });
  store.allocations.insert({ slot_uuid: 'MIG-1', container_id: 'c1', owner_uid: 1000, allocated_at: T0 });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Seven days of a sample every 5 minutes (busy in the first half of each hour), pruned every hour as the engine does. */
function runSevenDays(withRollups: boolean) {
  for (let t = T0; t < T0 + 7 * DAY; t += 5 * MIN) {
    const busy = t % HOUR < 30 * MIN;
    store.samples.insert({
      containerId: 'c1',
      ts: t,
      gpuUtilPct: busy ? 80 : 0,
      gpuProcesses: null,
      cpuPct: 1,
      netBytesPerSec: 0,
      sessions: 0,
      quietSince: null,
      cpuUsageNs: null,
      systemCpuNs: null,
      onlineCpus: null,
      netRxBytes: null,
      netTxBytes: null,
    });
    if ((t - T0) % HOUR === 0)
      store.tx(() =>
        store.samples.prune(
          t - RETENTION,
          withRollups
            ? { busyThresholdPct: 5, maxGapMs: MAX_SAMPLE_GAP_MS, keepAfter: t - 365 * DAY }
            : undefined,
        ),
      );
  }
}

function report(from: number, to: number) {
  const allocations = store.reports.allocationsBetween(from, to);
  const ids = allocations.flatMap((a) => (a.containerId ? [a.containerId] : []));
  const [row] = computeUsage({
    from,
    to,
    now: to,
    by: 'user',
    allocations,
    samples: store.reports.samplesFor(ids, from - MAX_SAMPLE_GAP_MS, to),
    rollups: store.samples.rollupsFor(ids, from, to),
    queue: [],
    busyThresholdPct: 5,
    maxSampleGapMs: MAX_SAMPLE_GAP_MS,
    groupOf: () => 'students',
  });
  return row;
}

describe('usage rollups', () => {
  it('a 7-day window is measured from rollups after the raw samples are pruned', () => {
    runSevenDays(true);
    const end = T0 + 7 * DAY - 5 * MIN;
    // Raw samples cover only the last hours; the rest of the week lives in rollups.
    expect(store.samples.count()).toBeLessThan((RETENTION / (5 * MIN)) * 1.5);
    const r = report(T0, end);
    expect(r?.allocatedGpuHours).toBeCloseTo((end - T0) / HOUR, 2);
    // Every 5-minute interval but the newest sample's last one is measured, and half of it busy.
    expect(r?.unmeasuredGpuHours).toBeLessThan(0.1);
    expect(r?.busyGpuHours).toBeCloseTo((r?.measuredGpuHours ?? 0) / 2, 0);
    // A window inside the pruned past: exact hours from rollups alone.
    const day2 = report(T0 + DAY, T0 + 2 * DAY);
    expect(day2?.measuredGpuHours).toBeCloseTo(24, 3);
    expect(day2?.busyGpuHours).toBeCloseTo(12, 3);
  });

  it('without rollups the same week is mostly unmeasured (the defect this fixes)', () => {
    runSevenDays(false);
    const r = report(T0, T0 + 7 * DAY - 5 * MIN);
    expect(r?.unmeasuredGpuHours).toBeGreaterThan(150);
  });

  it('a removed container is rolled up entirely; rollups past the retention are dropped', () => {
    runSevenDays(true);
    store.containers.markRemoved('c1', T0 + 7 * DAY);
    const end = T0 + 7 * DAY - 5 * MIN;
    const before = report(T0, end)?.measuredGpuHours ?? 0;
    store.tx(() =>
      store.samples.prune(end, { busyThresholdPct: 5, maxGapMs: MAX_SAMPLE_GAP_MS, keepAfter: T0 + 3 * DAY }),
    );
    expect(store.samples.count()).toBe(0);
    // Samples gone, rollups of the last 4 days kept: the same time is measured, none counted twice.
    const lastFour = report(T0 + 3 * DAY, end);
    expect(lastFour?.measuredGpuHours).toBeCloseTo(before - 72, 1);
    expect(report(T0, T0 + 3 * DAY)?.measuredGpuHours).toBe(0);
  });
});

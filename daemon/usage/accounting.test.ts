import { describe, expect, it } from 'vitest';
import {
  computeUsage,
  overlap,
  rollupSamples,
  sampleSpans,
  totalUsage,
  type UsageAllocation,
  type UsageInput,
  type UsageSample,
} from './accounting.js';

const H = 3600_000;
const T0 = Date.UTC(2025, 0, 1);

function input(over: Partial<UsageInput>): UsageInput {
  return {
    from: T0,
    to: T0 + 24 * H,
    now: T0 + 48 * H,
    by: 'user',
    allocations: [],
    samples: [],
    queue: [],
    busyThresholdPct: 5,
    maxSampleGapMs: 10 * 60_000,
    groupOf: (_uid, name) => (name.startsWith('r') ? 'researchers' : 'students'),
    ...over,
  };
}

const alloc = (over: Partial<UsageAllocation>): UsageAllocation => ({
  ownerUid: 1001,
  ownerName: 'alice',
  slotUuid: 'MIG-1',
  containerId: 'c1',
  gpuEquivalents: 1,
  allocatedAt: T0,
  releasedAt: T0 + H,
  ...over,
});

/** One sample a minute from `start` for `minutes`, busy when `busy(i)`. */
function samples(container: string, start: number, minutes: number, busy: (i: number) => boolean) {
  return Array.from(
    { length: minutes },
    (_, i): UsageSample => ({
      containerId: container,
      ts: start + i * 60_000,
      gpuUtilPct: busy(i) ? 90 : 0,
      gpuProcesses: null,
    }),
  );
}

describe('usage accounting', () => {
  it('overlap of intervals', () => {
    expect(overlap(0, 10, 5, 20)).toBe(5);
    expect(overlap(0, 10, 10, 20)).toBe(0);
    expect(overlap(5, 6, 0, 100)).toBe(1);
  });

  it('weights allocated hours by GPU-equivalents and clips to the period', () => {
    const rows = computeUsage(
      input({
        allocations: [
          alloc({ gpuEquivalents: 3 / 7, allocatedAt: T0 - 2 * H, releasedAt: T0 + 2 * H }), // 2 h in period
          alloc({ slotUuid: 'GPU-2', allocatedAt: T0 + 23 * H, releasedAt: null }), // 1 h in period (still live)
          alloc({ allocatedAt: T0 - 5 * H, releasedAt: T0 - H }), // before the period
        ],
      }),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ key: 'alice', allocations: 2 });
    expect(rows[0]?.allocatedGpuHours).toBeCloseTo(2 * (3 / 7) + 1, 3);
    // No samples: nothing measured, nothing called idle.
    expect(rows[0]).toMatchObject({ measuredGpuHours: 0, busyGpuHours: 0, idleGpuHours: 0 });
    expect(rows[0]?.unmeasuredGpuHours).toBeCloseTo(rows[0]?.allocatedGpuHours ?? -1, 3);
  });

  it('a live allocation counts up to now, not to the end of a future period', () => {
    const rows = computeUsage(
      input({ now: T0 + 3 * H, allocations: [alloc({ allocatedAt: T0 + H, releasedAt: null })] }),
    );
    expect(rows[0]?.allocatedGpuHours).toBe(2);
  });

  it('busy and idle hours from samples; MIG slices count processes', () => {
    const rows = computeUsage(
      input({
        allocations: [
          alloc({ containerId: 'c1', releasedAt: T0 + H }),
          alloc({
            ownerUid: 1002,
            ownerName: 'rob',
            containerId: 'c2',
            gpuEquivalents: 1 / 7,
            slotUuid: 'MIG-2',
          }),
        ],
        samples: [
          ...samples('c1', T0, 60, (i) => i < 15), // busy the first quarter hour
          ...Array.from({ length: 60 }, (_, i) => ({
            containerId: 'c2',
            ts: T0 + i * 60_000,
            gpuUtilPct: null, // MIG: no utilisation
            gpuProcesses: i < 30 ? 1 : 0,
          })),
        ],
      }),
    );
    const alice = rows.find((r) => r.key === 'alice');
    expect(alice?.measuredGpuHours).toBeCloseTo(1, 3);
    expect(alice?.busyGpuHours).toBeCloseTo(0.25, 3);
    expect(alice?.idleGpuHours).toBeCloseTo(0.75, 3);
    const rob = rows.find((r) => r.key === 'rob');
    expect(rob?.busyGpuHours).toBeCloseTo(0.5 / 7, 3);
    expect(rob?.idleGpuHours).toBeCloseTo(0.5 / 7, 3);
  });

  it('a gap in samples (daemon down) is unmeasured, not idle', () => {
    const s = [...samples('c1', T0, 10, () => false), ...samples('c1', T0 + 50 * 60_000, 10, () => false)];
    const spans = sampleSpans(s, 5, 5 * 60_000);
    expect(spans[9]?.end).toBe(T0 + 9 * 60_000 + 5 * 60_000); // capped at maxGap
    const rows = computeUsage(input({ maxSampleGapMs: 5 * 60_000, allocations: [alloc({})], samples: s }));
    expect(rows[0]?.measuredGpuHours).toBeCloseTo((14 + 10) / 60, 3);
    expect(rows[0]?.unmeasuredGpuHours).toBeCloseTo(1 - 24 / 60, 3);
  });

  it('groups by the policy group and totals', () => {
    const rows = computeUsage(
      input({
        by: 'group',
        allocations: [
          alloc({}),
          alloc({ ownerUid: 1002, ownerName: 'rob', slotUuid: 'G2' }),
          alloc({ ownerUid: 1003, ownerName: 'ruth', slotUuid: 'G3', releasedAt: T0 + 2 * H }),
        ],
      }),
    );
    expect(rows.map((r) => [r.key, r.users, r.allocatedGpuHours])).toEqual([
      ['researchers', ['rob', 'ruth'], 3],
      ['students', ['alice'], 1],
    ]);
    expect(totalUsage(rows).allocatedGpuHours).toBe(4);
  });

  it('queue waits are clipped to the period; still-waiting entries count up to now', () => {
    const rows = computeUsage(
      input({
        now: T0 + 10 * H,
        queue: [
          { ownerUid: 1001, ownerName: 'alice', enqueuedAt: T0 - H, endedAt: T0 + H, state: 'served' },
          { ownerUid: 1001, ownerName: 'alice', enqueuedAt: T0 + 8 * H, endedAt: null, state: 'waiting' },
          { ownerUid: 1001, ownerName: 'alice', enqueuedAt: T0 - 9 * H, endedAt: T0 - 8 * H, state: 'left' },
        ],
      }),
    );
    expect(rows[0]).toMatchObject({ queueEntries: 2, queueWaitHours: 3, maxQueueWaitHours: 2 });
  });
});

describe('rollupSamples', () => {
  const s = (ts: number, util: number) => ({ containerId: 'c', ts, gpuUtilPct: util, gpuProcesses: null });

  it('rolls up only the doomed samples, each span ended by its successor and split at the hour', () => {
    // 00:50 busy → 01:10 idle → 01:20 busy (kept). Doomed: the first two.
    const samples = [s(50 * 60_000, 90), s(H + 10 * 60_000, 0), s(H + 20 * 60_000, 90)];
    const r = rollupSamples('c', samples, (x) => x.ts < H + 20 * 60_000, 5, 30 * 60_000);
    expect(r).toEqual([
      { containerId: 'c', hour: 0, measuredMs: 10 * 60_000, busyMs: 10 * 60_000 },
      { containerId: 'c', hour: H, measuredMs: 20 * 60_000, busyMs: 10 * 60_000 },
    ]);
  });

  it('a gap longer than maxGap is not measured', () => {
    const r = rollupSamples('c', [s(0, 90), s(2 * H, 90)], (x) => x.ts === 0, 5, 10 * 60_000);
    expect(r).toEqual([{ containerId: 'c', hour: 0, measuredMs: 10 * 60_000, busyMs: 10 * 60_000 }]);
  });
});

describe('computeUsage with rollups', () => {
  it('counts a rollup in proportion to the part of its hour the allocation and period cover', () => {
    const rows = computeUsage({
      from: 0,
      to: 10 * H,
      now: 10 * H,
      by: 'user',
      allocations: [
        {
          ownerUid: 1,
          ownerName: 'a',
          slotUuid: 'S',
          containerId: 'c',
          gpuEquivalents: 1,
          allocatedAt: H / 2,
          releasedAt: 2 * H,
        },
      ],
      samples: [],
      rollups: [
        { containerId: 'c', hour: 0, measuredMs: H, busyMs: H / 2 },
        { containerId: 'c', hour: H, measuredMs: H, busyMs: 0 },
        { containerId: 'other', hour: H, measuredMs: H, busyMs: H },
      ],
      queue: [],
      busyThresholdPct: 5,
      maxSampleGapMs: 600_000,
      groupOf: () => 'g',
    });
    expect(rows[0]).toMatchObject({ allocatedGpuHours: 1.5, measuredGpuHours: 1.5, busyGpuHours: 0.25 });
  });
});

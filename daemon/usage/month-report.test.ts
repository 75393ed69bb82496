import { describe, expect, it } from 'vitest';
import type { UsageReport, UsageRow } from '../api/types/usage.js';
import { buildMonthReport, monthBounds } from './month-report.js';

const row = (key: string, users: string[], allocated: number, idle: number): UsageRow => ({
  key,
  users,
  allocations: 1,
  allocatedGpuHours: allocated,
  measuredGpuHours: allocated,
  busyGpuHours: allocated - idle,
  idleGpuHours: idle,
  unmeasuredGpuHours: 0,
  queueEntries: 0,
  queueWaitHours: 0,
  maxQueueWaitHours: 0,
});

const report = (rows: UsageRow[], by: 'user' | 'group'): UsageReport => ({
  from: '2026-10-01T00:00:00.000Z',
  to: '2026-11-01T00:00:00.000Z',
  by,
  busyThresholdPct: 5,
  scope: 'all',
  rows,
  totals: { ...row('', [], 12, 7), allocations: 3 },
  jobs: [
    {
      id: 1,
      user: 'ann',
      name: 'a',
      state: 'completed',
      exitCode: 0,
      startedAt: '',
      endedAt: '',
      gpuEquivalents: 1,
      gpuHours: 1.5,
    },
    {
      id: 2,
      user: 'bob',
      name: 'b',
      state: 'failed',
      exitCode: 1,
      startedAt: '',
      endedAt: '',
      gpuEquivalents: 1,
      gpuHours: 0.5,
    },
    {
      id: 3,
      user: 'ann',
      name: 'c',
      state: 'completed',
      exitCode: 0,
      startedAt: '',
      endedAt: '',
      gpuEquivalents: 1,
      gpuHours: 1,
    },
  ],
});

describe('admin report for a month', () => {
  it('bounds a calendar month in UTC (December into January) and refuses other spellings', () => {
    expect(monthBounds('2026-12')).toEqual({ from: Date.UTC(2026, 11, 1), to: Date.UTC(2027, 0, 1) });
    expect(monthBounds('2026-02')?.to).toBe(Date.UTC(2026, 2, 1));
    for (const bad of ['2026-13', '2026-1', '26-10', '2026-10-01', ' 2026-10'])
      expect(monthBounds(bad)).toBeNull();
  });

  it('keeps the usage rows, adds jobs per user and group, and ranks idle waste', () => {
    const users = [row('ann', ['ann'], 4, 1), row('bob', ['bob'], 6, 5), row('cy', ['cy'], 2, 0)];
    const r = buildMonthReport(
      '2026-10',
      report(users, 'user'),
      report([row('students', ['ann', 'bob', 'cy'], 12, 6)], 'group'),
    );
    expect(r.users.map((u) => [u.key, u.allocatedGpuHours, u.jobs, u.jobGpuHours])).toEqual([
      ['ann', 4, 2, 2.5],
      ['bob', 6, 1, 0.5],
      ['cy', 2, 0, 0],
    ]);
    expect(r.groups[0]).toMatchObject({ key: 'students', jobs: 3, jobGpuHours: 3 });
    expect(r.totals).toMatchObject({ allocatedGpuHours: 12, jobs: 3, jobGpuHours: 3 });
    expect(r.topIdle).toEqual([
      { user: 'bob', idleGpuHours: 5, allocatedGpuHours: 6, idleShare: 0.833333 },
      { user: 'ann', idleGpuHours: 1, allocatedGpuHours: 4, idleShare: 0.25 },
    ]);
  });
});

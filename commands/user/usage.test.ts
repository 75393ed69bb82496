import { describe, expect, it } from 'vitest';
import type { UsageReport } from '../../daemon/api/types/index.js';
import { csvField, jobsCsv, jobsTable, usageCsv } from './usage.js';

describe('usage CSV', () => {
  it('quotes only what needs quoting (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(1.5)).toBe('1.5');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  it('one header, one line per row', () => {
    const row = {
      key: 'students',
      users: ['alice', 'bob'],
      allocations: 2,
      allocatedGpuHours: 3.5,
      measuredGpuHours: 3,
      busyGpuHours: 1,
      idleGpuHours: 2,
      unmeasuredGpuHours: 0.5,
      queueEntries: 1,
      queueWaitHours: 0.25,
      maxQueueWaitHours: 0.25,
    };
    const r: UsageReport = {
      from: '2025-01-01T00:00:00.000Z',
      to: '2025-01-02T00:00:00.000Z',
      by: 'group',
      busyThresholdPct: 5,
      scope: 'all',
      rows: [row],
      totals: { ...row },
      jobs: [],
    };
    expect(usageCsv(r)).toBe(
      'group,users,allocations,allocated_gpu_hours,busy_gpu_hours,idle_gpu_hours,unmeasured_gpu_hours,queue_entries,queue_wait_hours,max_queue_wait_hours,from,to\n' +
        'students,alice bob,2,3.5,1,2,0.5,1,0.25,0.25,2025-01-01T00:00:00.000Z,2025-01-02T00:00:00.000Z\n',
    );
  });

  it('--jobs: one row per job (a running one up to the report end), CSV with the same fields', () => {
    const r: UsageReport = {
      from: '2025-01-01T00:00:00.000Z',
      to: '2025-01-02T00:00:00.000Z',
      by: 'user',
      busyThresholdPct: 5,
      scope: 'own',
      rows: [],
      totals: {
        allocations: 0,
        allocatedGpuHours: 0,
        measuredGpuHours: 0,
        busyGpuHours: 0,
        idleGpuHours: 0,
        unmeasuredGpuHours: 0,
        queueEntries: 0,
        queueWaitHours: 0,
        maxQueueWaitHours: 0,
      },
      jobs: [
        {
          id: 7,
          user: 'alice',
          name: 'train, v2',
          state: 'completed',
          exitCode: 0,
          startedAt: '2025-01-01T10:00:00.000Z',
          endedAt: '2025-01-01T11:30:00.000Z',
          gpuEquivalents: 1,
          gpuHours: 1.5,
        },
        {
          id: 8,
          user: 'alice',
          name: 'eval',
          state: 'running',
          exitCode: null,
          startedAt: '2025-01-01T23:00:00.000Z',
          endedAt: null,
          gpuEquivalents: 0.143,
          gpuHours: 0.143,
        },
      ],
    };
    expect(jobsTable(r, Date.parse(r.to)).rows).toEqual([
      ['7', 'alice', 'train, v2', 'completed', '0', '1h 30m', '1.50'],
      ['8', 'alice', 'eval', 'running', '-', '1h', '0.14'],
    ]);
    expect(jobsCsv(r)).toBe(
      'job,user,name,state,exit_code,started_at,ended_at,gpu_equivalents,gpu_hours\n' +
        '7,alice,"train, v2",completed,0,2025-01-01T10:00:00.000Z,2025-01-01T11:30:00.000Z,1,1.5\n' +
        '8,alice,eval,running,,2025-01-01T23:00:00.000Z,,0.143,0.143\n',
    );
  });
});

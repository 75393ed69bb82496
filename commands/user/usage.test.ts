import { describe, expect, it } from 'vitest';
import type { UsageReport } from '../../daemon/api/types/index.js';
import { csvField, usageCsv } from './usage.js';

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
    };
    expect(usageCsv(r)).toBe(
      'group,users,allocations,allocated_gpu_hours,busy_gpu_hours,idle_gpu_hours,unmeasured_gpu_hours,queue_entries,queue_wait_hours,max_queue_wait_hours,from,to\n' +
        'students,alice bob,2,3.5,1,2,0.5,1,0.25,0.25,2025-01-01T00:00:00.000Z,2025-01-02T00:00:00.000Z\n',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { isEmptyStats } from './stats.js';

describe('isEmptyStats', () => {
  it('a real reading is not empty', () => {
    expect(
      isEmptyStats({
        read: '2026-11-27T21:00:00.1Z',
        cpu_stats: { cpu_usage: { total_usage: 123_456 }, system_cpu_usage: 9e12, online_cpus: 2 },
        memory_stats: { usage: 1_200_000, limit: 268_435_456 },
      }),
    ).toBe(false);
  });

  it('what Docker answers when containerd cannot read the cgroups is empty', () => {
    // The shape dockerd returns then: a zero time, zero CPU, no memory numbers.
    expect(
      isEmptyStats({
        read: '0001-01-01T00:00:00Z',
        cpu_stats: { cpu_usage: { total_usage: 0 }, system_cpu_usage: 0 },
        memory_stats: {},
      }),
    ).toBe(true);
    expect(isEmptyStats({ cpu_stats: { cpu_usage: {} }, memory_stats: {} })).toBe(true);
    expect(isEmptyStats(null)).toBe(true);
  });
});

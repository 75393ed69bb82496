import { describe, expect, it } from 'vitest';
import { computeStats } from './stats.js';

describe('computeStats', () => {
  it('computes CPU % like docker stats and sums networks and block IO', () => {
    const s = computeStats({
      cpu_stats: {
        cpu_usage: { total_usage: 2_000_000_000 },
        system_cpu_usage: 20_000_000_000,
        online_cpus: 4,
      },
      precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 10_000_000_000 },
      memory_stats: {
        usage: 100 * 1024 ** 2,
        limit: 256 * 1024 ** 2,
        stats: { inactive_file: 36 * 1024 ** 2 },
      },
      networks: { eth0: { rx_bytes: 10, tx_bytes: 20 }, eth1: { rx_bytes: 1, tx_bytes: 2 } },
      blkio_stats: {
        io_service_bytes_recursive: [
          { op: 'read', value: 5 },
          { op: 'Write', value: 7 },
        ],
      },
      pids_stats: { current: 3 },
    });
    expect(s.cpuPercent).toBe(40);
    expect(s.memoryBytes).toBe(64 * 1024 ** 2);
    expect(s.memoryPercent).toBe(25);
    expect([s.netRxBytes, s.netTxBytes, s.blockReadBytes, s.blockWriteBytes, s.pids]).toEqual([
      11, 22, 5, 7, 3,
    ]);
  });
  it('is zero, not NaN, on a first sample or a stopped container', () => {
    const s = computeStats({});
    expect(s.cpuPercent).toBe(0);
    expect(s.memoryBytes).toBe(0);
    expect(s.memoryPercent).toBeNull();
  });
});

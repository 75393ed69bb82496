import { describe, expect, it } from 'vitest';
import type { Inventory } from '../gpu/types.js';
import { countersOf, cpuPercent, gpuActivity, netRate } from './signals.js';

const stats = (cpu: number, sys: number, nets?: Record<string, { rx_bytes: number; tx_bytes: number }>) => ({
  cpu_stats: { cpu_usage: { total_usage: cpu }, system_cpu_usage: sys, online_cpus: 4 },
  ...(nets ? { networks: nets } : {}),
});

describe('signals', () => {
  it('CPU % from a one-shot reading uses the previous sample (percent of one core)', () => {
    const prev = countersOf(stats(1e9, 100e9), 0);
    const s = stats(1.5e9, 102e9);
    // 0.5 s of CPU over 2 s of 4 CPUs' system time (= 0.5 s wall) → 100% of one core.
    expect(cpuPercent(s, countersOf(s, 500), prev)).toBe(100);
  });

  it('CPU % from a streamed reading uses its own precpu counters', () => {
    const s = {
      ...stats(2e9, 200e9),
      precpu_stats: { cpu_usage: { total_usage: 1.99e9 }, system_cpu_usage: 196e9 },
    };
    expect(cpuPercent(s, countersOf(s, 0), undefined)).toBe(1);
  });

  it('no previous counters or a reset counter gives null (not zero)', () => {
    const s = stats(1e9, 100e9);
    expect(cpuPercent(s, countersOf(s, 0), undefined)).toBeNull();
    const prev = countersOf(stats(5e9, 90e9), 0);
    expect(cpuPercent(s, countersOf(s, 1000), prev)).toBeNull();
  });

  it('network rate is bytes per second between samples; no interface is null', () => {
    const a = countersOf(stats(0, 1, { eth0: { rx_bytes: 1000, tx_bytes: 0 } }), 0);
    const b = countersOf(stats(0, 2, { eth0: { rx_bytes: 9000, tx_bytes: 2000 } }), 2000);
    expect(netRate(b, a)).toBe(5000);
    expect(netRate(countersOf(stats(0, 1), 0), undefined)).toBeNull();
    expect(netRate(b, undefined)).toBeNull();
  });

  const inv: Inventory = {
    driverVersion: null,
    cudaVersion: null,
    gpus: [
      {
        uuid: 'GPU-a',
        index: 0,
        name: 'A100',
        busId: null,
        memoryMiB: 1,
        migEnabled: true,
        utilizationPct: null,
        memoryUsedMiB: 0,
        temperatureC: null,
        totalSlices: 7,
      },
      {
        uuid: 'GPU-b',
        index: 1,
        name: 'A100',
        busId: null,
        memoryMiB: 1,
        migEnabled: false,
        utilizationPct: 73,
        memoryUsedMiB: 0,
        temperatureC: null,
        totalSlices: 7,
      },
    ],
    slots: [
      {
        uuid: 'MIG-1',
        parentUuid: 'GPU-a',
        gpuIndex: 0,
        kind: 'mig',
        profile: '1g.10gb',
        migDeviceIndex: 0,
        gi: 7,
        ci: 0,
        memoryMiB: 1,
        computeSlices: 1,
        gpuEquivalents: 1 / 7,
      },
      {
        uuid: 'MIG-2',
        parentUuid: 'GPU-a',
        gpuIndex: 0,
        kind: 'mig',
        profile: '1g.10gb',
        migDeviceIndex: 1,
        gi: 8,
        ci: 0,
        memoryMiB: 1,
        computeSlices: 1,
        gpuEquivalents: 1 / 7,
      },
      {
        uuid: 'GPU-b',
        parentUuid: 'GPU-b',
        gpuIndex: 1,
        kind: 'full',
        profile: null,
        migDeviceIndex: null,
        gi: null,
        ci: null,
        memoryMiB: 1,
        computeSlices: 7,
        gpuEquivalents: 1,
      },
    ],
    processes: [
      { pid: 1, gpuUuid: 'GPU-a', slotUuid: 'MIG-1', name: 'python', usedMemoryMiB: 1 },
      { pid: 2, gpuUuid: 'GPU-b', slotUuid: null, name: 'python', usedMemoryMiB: 1 },
    ],
  };

  it('GPU: a MIG slice reports processes on that slice only, no utilisation', () => {
    expect(gpuActivity(['MIG-1'], inv)).toEqual({ gpuUtilPct: null, gpuProcesses: 1 });
    expect(gpuActivity(['MIG-2'], inv)).toEqual({ gpuUtilPct: null, gpuProcesses: 0 });
  });

  it('GPU: a whole GPU reports its utilisation; no GPU reports nothing', () => {
    expect(gpuActivity(['GPU-b'], inv)).toEqual({ gpuUtilPct: 73, gpuProcesses: 1 });
    expect(gpuActivity([], inv)).toEqual({ gpuUtilPct: null, gpuProcesses: null });
  });
});

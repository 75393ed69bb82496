// Turning raw readings into a sample, pure: CPU % and network rate from Docker's counters (between this
// reading and the previous stored one), GPU activity from the inventory for the container's slots.
import type { DockerStatsSample } from '../docker/stats.js';
import type { Inventory } from '../gpu/types.js';
import type { Sample } from './types.js';

export interface Counters {
  ts: number;
  cpuUsageNs: number | null;
  systemCpuNs: number | null;
  onlineCpus: number | null;
  netRxBytes: number | null;
  netTxBytes: number | null;
}

export function countersOf(s: DockerStatsSample, ts: number): Counters {
  const nets = s.networks ? Object.values(s.networks) : [];
  return {
    ts,
    cpuUsageNs: s.cpu_stats?.cpu_usage?.total_usage ?? null,
    systemCpuNs: s.cpu_stats?.system_cpu_usage ?? null,
    onlineCpus: s.cpu_stats?.online_cpus || s.cpu_stats?.cpu_usage?.percpu_usage?.length || null,
    netRxBytes: nets.length ? nets.reduce((a, n) => a + (n.rx_bytes ?? 0), 0) : null,
    netTxBytes: nets.length ? nets.reduce((a, n) => a + (n.tx_bytes ?? 0), 0) : null,
  };
}

/**
 * Percent of one core, like `docker stats`: from the reading's own previous counters when Docker sent
 * them (a streamed reading), else from our previous sample (a one-shot reading). null when unknowable.
 */
export function cpuPercent(s: DockerStatsSample, now: Counters, prev: Counters | undefined): number | null {
  const cpus = now.onlineCpus ?? 1;
  const pre = s.precpu_stats;
  const fromPre =
    pre?.cpu_usage?.total_usage !== undefined && pre.system_cpu_usage
      ? { cpu: pre.cpu_usage.total_usage, sys: pre.system_cpu_usage }
      : prev && prev.cpuUsageNs !== null && prev.systemCpuNs !== null
        ? { cpu: prev.cpuUsageNs, sys: prev.systemCpuNs }
        : null;
  if (!fromPre || now.cpuUsageNs === null || now.systemCpuNs === null) return null;
  const dCpu = now.cpuUsageNs - fromPre.cpu;
  const dSys = now.systemCpuNs - fromPre.sys;
  if (dSys <= 0 || dCpu < 0) return null; // counters reset (container restarted): wait for the next one
  return Math.round((dCpu / dSys) * cpus * 100 * 100) / 100;
}

/** Bytes per second (rx + tx) since the previous sample; null without interfaces or a usable previous one. */
export function netRate(now: Counters, prev: Counters | undefined): number | null {
  if (now.netRxBytes === null || now.netTxBytes === null) return null;
  if (!prev || prev.netRxBytes === null || prev.netTxBytes === null) return null;
  const dt = (now.ts - prev.ts) / 1000;
  const bytes = now.netRxBytes + now.netTxBytes - (prev.netRxBytes + prev.netTxBytes);
  if (dt <= 0 || bytes < 0) return null;
  return Math.round(bytes / dt);
}

/**
 * GPU activity of a container's slots. Whole GPUs report utilisation (the highest counts); MIG slices do
 * not, so the processes attributed to the slice are the signal. null/null when it holds no GPU.
 */
export function gpuActivity(
  slots: readonly string[],
  inv: Inventory | null,
): Pick<Sample, 'gpuUtilPct' | 'gpuProcesses'> {
  if (!slots.length) return { gpuUtilPct: null, gpuProcesses: null };
  if (!inv) return { gpuUtilPct: null, gpuProcesses: null };
  let util: number | null = null;
  let procs = 0;
  for (const uuid of slots) {
    const slot = inv.slots.find((s) => s.uuid === uuid);
    if (slot?.kind === 'full') {
      const gpu = inv.gpus.find((g) => g.uuid === uuid);
      if (gpu?.utilizationPct != null) util = Math.max(util ?? 0, gpu.utilizationPct);
      procs += inv.processes.filter((p) => p.gpuUuid === uuid).length;
    } else {
      procs += inv.processes.filter((p) => p.slotUuid === uuid).length;
    }
  }
  return { gpuUtilPct: util, gpuProcesses: procs };
}

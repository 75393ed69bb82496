// Pure: one Docker stats sample → the numbers users read (same CPU % formula as `docker stats`).

export interface DockerStatsSample {
  read?: string;
  cpu_stats?: {
    cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: { op?: string; value?: number }[] | null };
  pids_stats?: { current?: number; limit?: number };
}

export interface ContainerResourceStats {
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number | null;
  memoryPercent: number | null;
  netRxBytes: number;
  netTxBytes: number;
  blockReadBytes: number;
  blockWriteBytes: number;
  pids: number;
}

export function computeStats(s: DockerStatsSample): ContainerResourceStats {
  const cpu = s.cpu_stats ?? {};
  const pre = s.precpu_stats ?? {};
  const cpuDelta = (cpu.cpu_usage?.total_usage ?? 0) - (pre.cpu_usage?.total_usage ?? 0);
  const sysDelta = (cpu.system_cpu_usage ?? 0) - (pre.system_cpu_usage ?? 0);
  const cpus = cpu.online_cpus || cpu.cpu_usage?.percpu_usage?.length || 1;
  const cpuPercent = cpuDelta > 0 && sysDelta > 0 ? (cpuDelta / sysDelta) * cpus * 100 : 0;
  const mem = s.memory_stats ?? {};
  // Like the docker CLI: page cache that can be dropped is not "used" (cgroup v2: inactive_file).
  const cache = mem.stats?.inactive_file ?? mem.stats?.total_inactive_file ?? 0;
  const memoryBytes = Math.max(0, (mem.usage ?? 0) - cache);
  // An unlimited container reports the host's memory as its limit; still a useful denominator.
  const memoryLimitBytes = mem.limit && mem.limit > 0 ? mem.limit : null;
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
  }
  let read = 0;
  let write = 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = (e.op ?? '').toLowerCase();
    if (op === 'read') read += e.value ?? 0;
    else if (op === 'write') write += e.value ?? 0;
  }
  return {
    cpuPercent: Math.round(cpuPercent * 100) / 100,
    memoryBytes,
    memoryLimitBytes,
    memoryPercent: memoryLimitBytes ? Math.round((memoryBytes / memoryLimitBytes) * 10_000) / 100 : null,
    netRxBytes: rx,
    netTxBytes: tx,
    blockReadBytes: read,
    blockWriteBytes: write,
    pids: s.pids_stats?.current ?? 0,
  };
}

// Host CPU, memory and the state directory's disk from what systeminformation reports (pure): which
// mounted file system holds a directory, and percentages rounded for people.
import type { DiskUsage, HostResources } from '../api/types/system.js';

export interface MountReading {
  mount: string;
  size: number;
  available: number;
}

const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0);

/** The file system holding `path`: the mount that is the longest prefix of it, on path boundaries. */
export function diskOf(path: string, mounts: readonly MountReading[]): DiskUsage | null {
  const inside = (m: string) => m === '/' || path === m || path.startsWith(`${m.replace(/\/$/, '')}/`);
  const best = mounts.filter((m) => inside(m.mount)).sort((a, b) => b.mount.length - a.mount.length)[0];
  if (!best) return null;
  return {
    path,
    mount: best.mount,
    sizeBytes: best.size,
    availableBytes: best.available,
    usedPct: pct(best.size - best.available, best.size),
  };
}

export interface HostReadings {
  cores: number;
  /** Percent of all cores busy since the previous reading. */
  load: number;
  memTotal: number;
  /** What the kernel could give a new process without swapping (MemAvailable), not just free pages. */
  memAvailable: number;
  mounts: readonly MountReading[];
}

export function hostResources(stateDir: string, r: HostReadings): HostResources {
  return {
    cpu: { cores: r.cores, loadPct: Math.round(r.load * 10) / 10 },
    memory: {
      totalBytes: r.memTotal,
      availableBytes: r.memAvailable,
      usedPct: pct(r.memTotal - r.memAvailable, r.memTotal),
    },
    stateDisk: diskOf(stateDir, r.mounts),
  };
}

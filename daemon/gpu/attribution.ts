// PURE: which GPU processes belong to no ds01 container. A process is ds01's when its cgroup path names
// a container ds01 made (its Docker id); anything else (a user's job on bare metal, a container ds01 did
// not make) is unmanaged, and the slot it runs on counts as busy.
import type { GpuProcess } from './types.js';

/** What /proc says about one process; null when it has ended since nvidia-smi listed it. */
export interface ProcFacts {
  uid: number;
  /** The Docker id in its cgroup path, if it runs in a container. */
  containerId: string | null;
}

export interface UnmanagedProcess {
  pid: number;
  uid: number;
  /** Filled in by the caller from NSS; the uid when there is no account. */
  user: string;
  command: string;
  usedMemoryMiB: number | null;
  /** A container ds01 did not make, when the process runs in one. */
  foreignContainer: string | null;
}

const ID = /(?:^|[/-])([0-9a-f]{64})(?:\.scope)?$/;

/** The container id in a /proc/PID/cgroup text (v1 or v2; cgroupfs `/docker/ID`, `/ds01/u1000/ID`, systemd `docker-ID.scope`). */
export function containerIdFromCgroup(text: string): string | null {
  for (const line of text.split('\n')) {
    const path = line.split(':').slice(2).join(':').trim();
    for (const part of path.split('/').reverse()) {
      const m = ID.exec(part);
      if (m) return m[1] as string;
    }
  }
  return null;
}

/** The real uid on the `Uid:` line of /proc/PID/status. */
export function uidFromStatus(text: string): number | null {
  const m = /^Uid:\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * Unmanaged processes per slot. Processes whose slot is unknown (MIG without GI/CI from nvidia-smi) are
 * left out: ds01 cannot tell which slice they use, and blocking the whole GPU for one would be wrong.
 */
export function unmanagedBySlot(
  processes: readonly GpuProcess[],
  facts: ReadonlyMap<number, ProcFacts | null>,
  isDs01Container: (id: string) => boolean,
): Map<string, Omit<UnmanagedProcess, 'user'>[]> {
  const out = new Map<string, Omit<UnmanagedProcess, 'user'>[]>();
  for (const p of processes) {
    const f = facts.get(p.pid);
    if (!f || p.slotUuid === null) continue;
    if (f.containerId && isDs01Container(f.containerId)) continue;
    const list = out.get(p.slotUuid) ?? [];
    if (list.some((x) => x.pid === p.pid)) continue;
    list.push({
      pid: p.pid,
      uid: f.uid,
      command: p.name,
      usedMemoryMiB: p.usedMemoryMiB,
      foreignContainer: f.containerId ? f.containerId.slice(0, 12) : null,
    });
    out.set(p.slotUuid, list);
  }
  return out;
}

// How host CPU, memory and the state directory's disk read on a terminal (`ds01 status`, the dashboard).
// Pure.
import type { HostResources } from '../../daemon/api/types/index.js';
import { size } from './units.js';

/** At this much of the state directory's disk used, doctor warns: the terminal shows it too. */
export const DISK_NEARLY_FULL_PCT = 90;

export const cpuText = (r: HostResources) => `CPU ${r.cpu.loadPct}% of ${r.cpu.cores} cores`;

export const memoryText = (r: HostResources) =>
  `memory ${r.memory.usedPct}% used (${size(r.memory.availableBytes)} free of ${size(r.memory.totalBytes)})`;

/** null when the disk could not be read. */
export const diskText = (r: HostResources) =>
  r.stateDisk
    ? `state disk ${r.stateDisk.usedPct}% used (${size(r.stateDisk.availableBytes)} free of ${size(r.stateDisk.sizeBytes)} on ${r.stateDisk.mount})`
    : null;

export const diskNearlyFull = (r: HostResources) => (r.stateDisk?.usedPct ?? 0) >= DISK_NEARLY_FULL_PCT;

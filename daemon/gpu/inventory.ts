// Joins the parsed nvidia-smi outputs into the daemon's Inventory (pure). `-L` is the only source of MIG
// UUIDs and profiles; `--query-gpu` adds memory/utilisation/MIG mode (joined by GPU UUID); `-q -x` adds
// GI/CI per MIG device (joined on GPU + MIG device index) and per-process GI/CI for attribution.
import type { ComputeAppRow } from './parse/compute-apps.js';
import type { ListedGpu, ListedMigDevice } from './parse/list-gpus.js';
import type { GpuInstanceRow } from './parse/mig-lgi.js';
import { parseMigProfile } from './parse/profile.js';
import type { QueryGpuRow } from './parse/query-gpu.js';
import type { XmlGpu, XmlQuery } from './parse/query-xml.js';
import type { SmiVersions } from './parse/version.js';
import type { Gpu, GpuDeviceError, GpuProcess, Inventory, Slot } from './types.js';

export interface InventoryParts {
  list: ListedGpu[];
  queryGpu?: QueryGpuRow[];
  computeApps?: ComputeAppRow[];
  xml?: XmlQuery;
  lgi?: GpuInstanceRow[];
  version?: SmiVersions;
  /** GPUs `-L` could not reach; the other parts were asked about the rest only. */
  gpuErrors?: GpuDeviceError[];
}

/** Compute slices of a whole GPU under MIG, by model (matched against the product name). */
const TOTAL_SLICES_BY_MODEL: [RegExp, number][] = [
  [/\bA30\b/, 4],
  [/RTX PRO 6000/, 4],
  [/\b(A100|A800|H100|H800|H200|GH200|B200|GB200)\b/, 7],
];

/**
 * Slices of a full GPU. MIG-capable GPUs of unknown models get 7 (what every data-centre MIG GPU since A100
 * has); GPUs that cannot do MIG get 1, so their only slot is "1 of 1".
 */
export function totalSlicesFor(name: string, migCapable: boolean): number {
  for (const [re, n] of TOTAL_SLICES_BY_MODEL) if (re.test(name)) return n;
  return migCapable ? 7 : 1;
}

export function buildInventory(parts: InventoryParts): Inventory {
  const gpus: Gpu[] = [];
  const slots: Slot[] = [];
  const processes: GpuProcess[] = [];
  const queryByUuid = uniqueBy(parts.queryGpu ?? [], (r) => r.uuid ?? '');
  const xmlGpus = parts.xml?.gpus ?? [];
  const xmlByUuid = uniqueBy(xmlGpus, (g) => g.uuid ?? '');

  for (const [position, listed] of parts.list.entries()) {
    const q = queryByUuid.get(listed.uuid) ?? parts.queryGpu?.find((r) => r.index === listed.index);
    // Masked captures repeat one UUID; fall back to document order (= nvidia-smi index).
    const x = xmlByUuid.get(listed.uuid) ?? xmlGpus[position];
    const migEnabled =
      q?.migMode === 'Enabled' ||
      x?.migEnabled === true ||
      (listed.migDevices.length > 0 && q?.migMode == null);
    const migCapable = migEnabled || q?.migMode === 'Disabled' || x?.migEnabled === false;
    const name = listed.name;
    const totalSlices = totalSlicesFor(name, migCapable);
    const gpu: Gpu = {
      uuid: listed.uuid,
      index: listed.index,
      name,
      busId: q?.busId ?? x?.busId ?? null,
      memoryMiB: q?.memoryTotalMiB ?? x?.memoryTotalMiB ?? null,
      migEnabled,
      migPending: migCapable ? (x?.migPending ?? null) : null,
      utilizationPct: migEnabled ? null : (q?.utilizationPct ?? x?.utilizationPct ?? null),
      memoryUsedMiB: q?.memoryUsedMiB ?? x?.memoryUsedMiB ?? null,
      temperatureC: q?.temperatureC ?? x?.temperatureC ?? null,
      totalSlices,
      health: x?.health ?? null,
    };
    gpus.push(gpu);

    if (!migEnabled) {
      slots.push({
        uuid: gpu.uuid,
        parentUuid: gpu.uuid,
        gpuIndex: gpu.index,
        kind: 'full',
        profile: null,
        migDeviceIndex: null,
        gi: null,
        ci: null,
        memoryMiB: gpu.memoryMiB,
        computeSlices: totalSlices,
        gpuEquivalents: 1,
      });
    } else {
      // A MIG-enabled GPU with no instances offers no slot.
      for (const dev of listed.migDevices) slots.push(migSlot(gpu, dev, x, parts.lgi));
    }
    processes.push(...processesOf(gpu, x, parts, slots));
  }

  return {
    driverVersion: parts.version?.driverVersion ?? parts.xml?.driverVersion ?? firstDriver(parts.queryGpu),
    cudaVersion: parts.version?.cudaVersion ?? parts.xml?.cudaVersion ?? null,
    gpus,
    slots,
    processes,
    ...(parts.gpuErrors?.length ? { gpuErrors: parts.gpuErrors } : {}),
  };
}

function migSlot(gpu: Gpu, dev: ListedMigDevice, x: XmlGpu | undefined, lgi?: GpuInstanceRow[]): Slot {
  const xdev = x?.migDevices.find((d) => d.index === dev.index);
  const gi = dev.legacyGi ?? xdev?.gi ?? null;
  const ci = dev.legacyCi ?? xdev?.ci ?? null;
  // The pre-release driver printed no profile: recover the GI profile from `mig -lgi` when we have it.
  const profile = dev.profile ?? lgi?.find((r) => r.gpuIndex === gpu.index && r.gi === gi)?.profile ?? null;
  const parsed = profile ? parseMigProfile(profile) : null;
  // `Cc.Gg` devices share one GI: each counts its own C compute slices (memory is shared, compute is not).
  // Unknown profile: weigh it as one slice rather than guess high.
  const computeSlices = Math.min(parsed?.computeSlices ?? 1, gpu.totalSlices);
  return {
    uuid: dev.uuid,
    parentUuid: gpu.uuid,
    gpuIndex: gpu.index,
    kind: 'mig',
    profile,
    migDeviceIndex: dev.index,
    gi,
    ci,
    memoryMiB: xdev?.memoryTotalMiB ?? null,
    computeSlices,
    gpuEquivalents: computeSlices / gpu.totalSlices,
  };
}

function processesOf(gpu: Gpu, x: XmlGpu | undefined, parts: InventoryParts, slots: Slot[]): GpuProcess[] {
  const own = slots.filter((s) => s.parentUuid === gpu.uuid);
  // A whole GPU is its own slot; on MIG only GI/CI from `-q -x` say which device a process runs in.
  const slotFor = (gi: number | null, ci: number | null): string | null => {
    if (!gpu.migEnabled) return gpu.uuid;
    if (gi === null) return null;
    return own.find((s) => s.gi === gi && (ci === null || s.ci === ci))?.uuid ?? null;
  };
  if (x && (parts.xml?.gpus.length ?? 0) > 0) {
    return x.processes.map((p) => ({
      pid: p.pid,
      gpuUuid: gpu.uuid,
      slotUuid: slotFor(p.gi, p.ci),
      name: p.name,
      usedMemoryMiB: p.usedMemoryMiB,
    }));
  }
  return (parts.computeApps ?? [])
    .filter((p) => p.gpuUuid === gpu.uuid)
    .map((p) => ({
      pid: p.pid,
      gpuUuid: gpu.uuid,
      slotUuid: slotFor(null, null),
      name: p.name,
      usedMemoryMiB: p.usedMemoryMiB,
    }));
}

function firstDriver(rows?: QueryGpuRow[]): string | null {
  return rows?.find((r) => r.driverVersion)?.driverVersion ?? null;
}

/** Map of key → item, leaving out keys that occur more than once (masked UUIDs) so joins fall back. */
function uniqueBy<T>(items: T[], key: (t: T) => string): Map<string, T> {
  const map = new Map<string, T>();
  const dup = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (map.has(k)) dup.add(k);
    map.set(k, item);
  }
  for (const k of dup) map.delete(k);
  map.delete('');
  return map;
}

// `nvidia-smi -q -x`: the only source of (GPU, MIG device index) → (GI, CI) and of per-process GI/CI.
// It prints neither MIG UUIDs nor profile names; join with `-L` on (GPU, MIG device index). NOTES.md §1.3.
import type { GpuHealthReadings } from '../types.js';
import { NvidiaSmiParseError } from './errors.js';
import { readHealth } from './query-xml-health.js';
import { children, parseXml, textAt, type XmlElement } from './xml.js';

export interface XmlMigDevice {
  index: number;
  gi: number;
  ci: number;
  memoryTotalMiB: number | null;
  memoryUsedMiB: number | null;
}

export interface XmlProcess {
  pid: number;
  /** null on GPUs without MIG (`N/A`). */
  gi: number | null;
  ci: number | null;
  type: string | null;
  name: string;
  usedMemoryMiB: number | null;
}

export interface XmlGpu {
  /** Position among `<gpu>` elements = nvidia-smi index (PCI order). */
  position: number;
  busId: string | null;
  uuid: string | null;
  name: string | null;
  minorNumber: number | null;
  /** null when MIG is not supported (`N/A`). */
  migEnabled: boolean | null;
  /** The MIG mode after the next GPU reset (`pending_mig`); differs from migEnabled while a change waits. */
  migPending?: boolean | null;
  memoryTotalMiB: number | null;
  memoryUsedMiB: number | null;
  utilizationPct: number | null;
  temperatureC: number | null;
  migDevices: XmlMigDevice[];
  processes: XmlProcess[];
  /** ECC, retired pages, remapped rows, temperature thresholds, reading errors (query-xml-health.ts). */
  health: GpuHealthReadings;
}

export interface XmlQuery {
  driverVersion: string | null;
  cudaVersion: string | null;
  gpus: XmlGpu[];
}

const WHAT = 'nvidia-smi -q -x';

let sourceLines: string[] = [];

function at(el: XmlElement, path: string[]): XmlElement | undefined {
  let cur: XmlElement | undefined = el;
  for (const p of path) cur = cur?.children.find((c) => c.name === p);
  return cur;
}

/** `81920 MiB`, `31 C`, `0 %` → number; `N/A`, `[N/A]`, `ERR!` (the health part reports it), absent → null. */
function num(el: XmlElement, path: string[]): number | null {
  const node = at(el, path);
  const raw = node?.text.trim();
  if (node === undefined || raw === undefined || raw === '' || /^\[?N\/A\]?$|^\[.*\]$|^ERR!$/.test(raw))
    return null;
  const m = /^(-?\d+(?:\.\d+)?)(?:\s*\S+)?$/.exec(raw);
  if (!m) throw new NvidiaSmiParseError(WHAT, node.line, sourceLines[node.line - 1] ?? raw, 'not a number');
  return Number(m[1]);
}

function str(el: XmlElement, ...path: string[]): string | null {
  const raw = textAt(el, ...path);
  return raw === undefined || raw === '' || raw === 'N/A' ? null : raw;
}

/** First version-looking token: R610 appends `[Deprecated; … Use KMD Version instead]`. */
function version(raw: string | null): string | null {
  const m = raw ? /^\d+(?:\.\d+)+/.exec(raw) : null;
  return m ? m[0] : null;
}

export function parseQueryXml(text: string): XmlQuery {
  // Kept for error messages only; parsing is synchronous so a module-level copy is safe.
  sourceLines = text.split(/\r?\n/);
  const doc = parseXml(text);
  const log = children(doc, 'nvidia_smi_log')[0];
  if (!log) throw new NvidiaSmiParseError(WHAT, 1, text.split('\n', 1)[0] ?? '', 'no <nvidia_smi_log>');
  return {
    driverVersion: version(str(log, 'kmd_version')) ?? version(str(log, 'driver_version')),
    cudaVersion: version(str(log, 'cuda_umd_version')) ?? version(str(log, 'cuda_version')),
    gpus: children(log, 'gpu').map(toGpu),
  };
}

function toGpu(gpu: XmlElement, position: number): XmlGpu {
  const mig = str(gpu, 'mig_mode', 'current_mig');
  const pending = str(gpu, 'mig_mode', 'pending_mig');
  return {
    position,
    busId: gpu.attrs.id ?? str(gpu, 'pci', 'pci_bus_id'),
    uuid: str(gpu, 'uuid'),
    name: str(gpu, 'product_name'),
    minorNumber: num(gpu, ['minor_number']),
    migEnabled: mig === null ? null : mig === 'Enabled',
    migPending: pending === null ? null : pending === 'Enabled',
    memoryTotalMiB: num(gpu, ['fb_memory_usage', 'total']),
    memoryUsedMiB: num(gpu, ['fb_memory_usage', 'used']),
    utilizationPct: num(gpu, ['utilization', 'gpu_util']),
    temperatureC: num(gpu, ['temperature', 'gpu_temp']),
    migDevices: children(children(gpu, 'mig_devices')[0], 'mig_device').map(toMigDevice),
    processes: children(children(gpu, 'processes')[0], 'process_info').map(toProcess),
    health: readHealth(gpu),
  };
}

function required(el: XmlElement, name: string): number {
  const v = num(el, [name]);
  if (v === null)
    throw new NvidiaSmiParseError(WHAT, el.line, sourceLines[el.line - 1] ?? '', `no <${name}>`);
  return v;
}

function toMigDevice(el: XmlElement): XmlMigDevice {
  return {
    index: required(el, 'index'),
    gi: required(el, 'gpu_instance_id'),
    ci: required(el, 'compute_instance_id'),
    memoryTotalMiB: num(el, ['fb_memory_usage', 'total']),
    memoryUsedMiB: num(el, ['fb_memory_usage', 'used']),
  };
}

function toProcess(el: XmlElement): XmlProcess {
  return {
    pid: required(el, 'pid'),
    gi: num(el, ['gpu_instance_id']),
    ci: num(el, ['compute_instance_id']),
    type: str(el, 'type'),
    name: str(el, 'process_name') ?? '',
    usedMemoryMiB: num(el, ['used_memory']),
  };
}

// GPU inventory as the daemon sees it. A slot is what one allocation hands out: a whole GPU (MIG off)
// or one MIG device. Slots are identified by UUID only (MIG indices shift when instances are recreated).

export interface Gpu {
  uuid: string; // GPU-…
  index: number; // nvidia-smi / NVML index (PCI order); informational only
  name: string;
  busId: string | null;
  memoryMiB: number | null;
  migEnabled: boolean;
  /** MIG mode after the next GPU reset, when nvidia-smi says (differs from migEnabled while a change waits). */
  migPending?: boolean | null;
  utilizationPct: number | null; // null when N/A (always under MIG)
  memoryUsedMiB: number | null;
  temperatureC: number | null;
  /** Compute slices a full GPU has under MIG (7 on A100/H100/H200, 4 on A30/RTX PRO 6000). */
  totalSlices: number;
  /** Health readings from `-q -x`; absent when the probe had none. */
  health?: GpuHealthReadings | null;
}

/** Health readings of one GPU from `nvidia-smi -q -x` (null = not reported by this GPU/driver). */
export interface GpuHealthReadings {
  eccVolatileUncorrectable: number | null;
  eccAggregateUncorrectable: number | null;
  eccVolatileCorrectable: number | null;
  eccAggregateCorrectable: number | null;
  /** The SRAM uncorrectable count passed NVIDIA's limit for the board (Ampere+). */
  sramThresholdExceeded: boolean | null;
  retiredPagesSbe: number | null;
  retiredPagesDbe: number | null;
  retiredPagesPending: boolean | null;
  remappedRowsCorrectable: number | null;
  remappedRowsUncorrectable: number | null;
  remapPending: boolean | null;
  remapFailure: boolean | null;
  temperatureC: number | null;
  /** The GPU shuts down at this temperature (`gpu_temp_max_threshold`). */
  tempShutdownC: number | null;
  /** The GPU slows itself down at this temperature (`gpu_temp_slow_threshold`). */
  tempSlowdownC: number | null;
  tempMaxOperatingC: number | null;
  tempTargetC: number | null;
  /** R555+ consumer boards: degrees below T.Limit (≤ a threshold = hot) and those thresholds. */
  tlimitMarginC: number | null;
  tlimitShutdownC: number | null;
  tlimitSlowdownC: number | null;
  tlimitMaxOperatingC: number | null;
  /** Readings the driver could not take, e.g. `temperature/gpu_temp: ERR!`. */
  readingErrors: string[];
}

/** A GPU nvidia-smi names but cannot reach (`Unable to determine the device handle for GPU …: …`). */
export interface GpuDeviceError {
  /** The PCI bus id as printed (`0000:3B:00.0`). */
  busId: string;
  error: string;
}

export type SlotKind = 'full' | 'mig';

export interface Slot {
  uuid: string; // GPU-… for full, MIG-… (or legacy MIG-GPU-…/gi/ci) for MIG
  parentUuid: string;
  gpuIndex: number;
  kind: SlotKind;
  /** MIG profile such as `3g.40gb` or `1c.3g.40gb`; null for a full GPU. */
  profile: string | null;
  migDeviceIndex: number | null;
  gi: number | null;
  ci: number | null;
  memoryMiB: number | null;
  computeSlices: number;
  /** Weight in GPU-equivalents: computeSlices / parent totalSlices (1 for a full GPU). */
  gpuEquivalents: number;
}

export interface GpuProcess {
  pid: number;
  gpuUuid: string; // parent GPU
  slotUuid: string | null; // MIG device when attributable (GI/CI known), else null
  name: string;
  usedMemoryMiB: number | null;
}

export interface Inventory {
  driverVersion: string | null;
  cudaVersion: string | null;
  gpus: Gpu[];
  slots: Slot[];
  processes: GpuProcess[];
  /** GPUs that answered with an error this probe (the others were probed without them). */
  gpuErrors?: GpuDeviceError[];
}

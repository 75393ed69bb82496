// Wire types for /v1/gpus and /v1/queue.
import { z } from 'zod';

export type GpuSlotState = 'available' | 'drained' | 'missing';

/** Who holds a slot. Plain users see only `yours` or `taken`; admins see the user and container. */
export interface GpuSlotHolder {
  label: 'yours' | 'taken' | (string & {});
  yours: boolean;
  /** Admins (and the holder): who and which container; null for others. */
  user: string | null;
  uid: number | null;
  containerId: string | null;
  containerName: string | null;
  /** reserved = being deployed (no container yet). */
  state: 'active' | 'held' | 'reserved';
  /** A held slot is released at this time; null = running, or held until the container is removed. */
  holdUntil: string | null;
}

/** A process computing on a slot outside any ds01 container (a bare-metal job, or a container ds01 did not make). */
export interface UnmanagedProcessView {
  pid: number;
  /** Its owner's user name (or `uid N` without an account). */
  user: string;
  uid: number;
  command: string;
  usedMemoryMiB: number | null;
  /** Short id of the non-ds01 container it runs in; null on bare metal. */
  foreignContainer: string | null;
}

/** One health condition of a GPU (daemon/gpu/health.ts has the table of conditions and severities). */
export interface GpuHealthProblem {
  condition: string;
  /** warning: still handed out; failing: not handed out, drained after `drainAfter` bad probes; fatal: drained. */
  severity: 'warning' | 'failing' | 'fatal';
  meaning: string;
  detail: string;
  /** What an admin should do. */
  todo: string;
}

/** A GPU's health when something is wrong with it (null when it is fine). */
export interface GpuHealthView {
  /** warning: still handed out; unhealthy: not handed out now (failing or fatal). */
  state: 'warning' | 'unhealthy';
  /** The problems in one line. */
  reason: string;
  problems: GpuHealthProblem[];
  /** Probes in a row it has been failing, and at how many ds01d drains it. */
  badProbes: number;
  drainAfter: number;
  since: string;
}

export interface GpuSlotView {
  uuid: string;
  gpuIndex: number;
  gpuUuid: string;
  gpuName: string;
  kind: 'full' | 'mig';
  /** MIG profile (e.g. 3g.40gb); null for a whole GPU. */
  profile: string | null;
  migDeviceIndex: number | null;
  memoryMiB: number | null;
  gpuEquivalents: number;
  state: GpuSlotState;
  drainReason: string | null;
  holder: GpuSlotHolder | null;
  /** Processes outside ds01 on it at the last probe: the slot shows `busy (unmanaged)`. */
  unmanaged: UnmanagedProcessView[];
  /** True when those keep ds01 from handing it out (policy gpu_allocation.allow_unmanaged is false). */
  unmanagedBlocks: boolean;
  /** Its GPU's health problems (ECC, retired pages, temperature, errors); null when fine. */
  health: GpuHealthView | null;
}

export interface GpuList {
  slots: GpuSlotView[];
  lastProbeAt: string | null;
  probeError: string | null;
}

/** One line of `gpu-avail`: a kind of slot, how many are free, and when the next one should be. */
/**
 * A wait estimate, from the one estimator (daemon/gpu/wait-estimate.ts) behind gpu-queue, the dashboard
 * and gpu-avail. 'now': fits now; 'at': expected at `at` (why: 'hold' | 'max_runtime' deadline);
 * 'unknown': no deadline to go by, or blocked by the asker's own quota (why says which).
 */
export interface WaitEstimateView {
  kind: 'now' | 'at' | 'unknown';
  at: string | null;
  why: string | null;
}

/** What the asker could get of one kind of slot right now, and the limit that decides it. */
export interface AvailableForYou {
  /** Slots of this kind the asker could deploy on now (free ones, within their quota). */
  canGet: number;
  /** The most of this kind the asker's quota allows them to hold at once (whatever is free now). */
  atOnce: number | null;
  /** The limit that keeps canGet below the free count (e.g. "max_gpu_equivalents 0.5, you hold 0.29"). */
  binding: string | null;
}

export interface GpuAvailability {
  /** MIG profile, or 'full' for whole GPUs. */
  profile: string;
  kind: 'full' | 'mig';
  gpuEquivalents: number;
  total: number;
  free: number;
  held: number;
  drained: number;
  missing: number;
  /** Entries waiting for a slot of this kind (or any slot). */
  queued: number;
  /** When a slot of this kind should free up next, if foreseeable (hold deadlines, max_runtime). */
  nextFreeAt: string | null;
  /** When the asker would get one slot of this kind if they queued now (the queue's own estimate). */
  wait: WaitEstimateView;
  forYou: AvailableForYou;
}

export interface GpuAvailabilityReport {
  profiles: GpuAvailability[];
  queued: number;
  /** The asker's room under their quota, and what binds it (null: nothing but free capacity). */
  you: {
    /** GPU slots the asker could take now in all (free usable ones, cheapest first, within quota). */
    canGetNow: number;
    slotsLeft: number | null;
    gpuEquivalentsLeft: number | null;
    allowFullGpu: boolean;
    binding: string | null;
  };
}

/** POST /v1/gpus/:ref/drain, …/undrain and /v1/gpus/:slot/release. */
export const gpuDrainRequest = z.strictObject({
  /** Shown to the users affected and kept in the audit log. */
  reason: z
    .string()
    .trim()
    .min(1, 'say why (it is shown to the users affected and kept in the audit log)')
    .max(500),
});
export type GpuDrainRequest = z.infer<typeof gpuDrainRequest>;

export interface GpuDrainResult {
  slots: string[];
  drained: boolean;
  /** Containers still holding drained slots (they keep them until they are released). */
  holders: { user: string; containerId: string | null; slot: string }[];
}

export interface GpuReleaseResult {
  slot: string;
  released: boolean;
  user: string | null;
  containerId: string | null;
  /** The container is not stopped: it keeps running without a claim to the slot. */
  note: string;
}

export interface GpuQueueRequest {
  count: number;
  profile?: string | null;
  wholeGpu?: boolean;
}

export type QueueEntryState = 'waiting' | 'served' | 'left' | 'removed' | 'failed';

export interface QueueEntryView {
  id: number;
  owner: string;
  ownerUid: number;
  state: QueueEntryState;
  priority: number;
  enqueuedAt: string;
  endedAt: string | null;
  gpu: GpuQueueRequest;
  /** What was queued (the deploy request as sent), for its owner and admins. */
  request: unknown;
  /** 1 = next; null once the entry has ended. */
  position: number | null;
  /** When it should be served, if foreseeable (= wait.at, or now). */
  estimatedServeAt: string | null;
  /** The estimate with its reason; null once the entry has ended. */
  wait: WaitEstimateView | null;
  containerId: string | null;
  note: string | null;
}

/** POST /v1/gpus/:slot/test: a short check in a container on the slot (admins: any; users: a slot they hold). */
export const gpuTestRequest = z.strictObject({
  /** The image to run it in (resolved and authorized like a deploy's); default: the catalogue's first. */
  image: z.string().trim().min(1).max(512).optional(),
  /** Seconds before the check is stopped (default 120). */
  timeoutSec: z.number().int().min(5).max(600).optional(),
});
export type GpuTestRequest = z.infer<typeof gpuTestRequest>;

export interface GpuTestPart {
  name: 'device' | 'memory' | 'kernel';
  status: 'ok' | 'fail' | 'skipped';
  detail: string;
}

export interface GpuTestResult {
  slot: string;
  gpuIndex: number;
  /** The slot label `gpu list` shows (`1.2`, `3`). */
  label: string;
  image: string;
  /** No part failed and the device is visible. */
  passed: boolean;
  parts: GpuTestPart[];
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
}

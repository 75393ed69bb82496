// Wire types for GET /v1/dashboard: one consistent snapshot for `ds01-dashboard` (and its --json).

import type { AuditEvent } from './events.js';
import type { GpuHealthView, QueueEntryView, UnmanagedProcessView } from './gpus.js';
import type { HostResources } from './system.js';

/** What a slot is doing now. `held`: its container stopped and keeps it until `holdUntil`. */
export type DashboardSlotState = 'free' | 'allocated' | 'held' | 'drained' | 'missing';

export interface DashboardSlot {
  uuid: string;
  kind: 'full' | 'mig';
  profile: string | null;
  /** MIG GPU instance id (DCGM's GPU_I_ID); null for a whole GPU. */
  gi: number | null;
  memoryMiB: number | null;
  gpuEquivalents: number;
  state: DashboardSlotState;
  /** Admins and the holder: user and container; everyone else sees `taken`. */
  holder: { label: string; user: string | null; container: string | null; reserved: boolean } | null;
  holdUntil: string | null;
  drainReason: string | null;
  /** Processes outside ds01 on it (a slot with any is `busy (unmanaged)`). */
  unmanaged?: UnmanagedProcessView[];
  /** Its GPU's health problems; null/absent when fine. */
  health?: GpuHealthView | null;
}

export interface DashboardGpu {
  index: number;
  uuid: string;
  name: string;
  /** false: a GPU ds01 knew that nvidia-smi no longer reports. */
  present: boolean;
  migEnabled: boolean;
  memoryMiB: number | null;
  memoryUsedMiB: number | null;
  /** null under MIG (nvidia-smi reports none) or when unknown. */
  utilizationPct: number | null;
  temperatureC: number | null;
  slots: DashboardSlot[];
}

export interface DashboardUsage {
  user: string;
  uid: number;
  group: string;
  slots: number;
  maxSlots: number | null;
  gpuEquivalents: number;
  maxGpuEquivalents: number | null;
  containers: number;
  maxContainers: number | null;
  queued: number;
  /** Batch jobs of this user: running (or starting) and waiting (queued, or pending on --after). */
  jobsRunning: number;
  jobsQueued: number;
}

export interface DashboardSummary {
  gpus: number;
  slots: number;
  free: number;
  allocated: number;
  held: number;
  drained: number;
  missing: number;
  /** Waiting entries of everyone (the list below shows only yours unless you are an admin). */
  queueLength: number;
  /**
   * What the viewer could take now (their quota and whole-GPU permission applied) and the limit that
   * binds; `free` above counts every free slot, usable by the viewer or not.
   */
  forYou: { canGet: number; binding: string | null } | null;
  /** Batch jobs the viewer may see (admins: everyone's; users: their own). */
  jobs: { running: number; queued: number };
}

export interface DashboardData {
  at: string;
  host: string;
  version: string;
  viewer: { name: string; admin: boolean };
  driverVersion: string | null;
  cudaVersion: string | null;
  lastProbeAt: string | null;
  probeError: string | null;
  /** Set while the policy file is invalid and the last good policy stays in force (ds01 status has more). */
  policyError: string | null;
  /** Host CPU, memory and the state directory's disk; null when they could not be read. */
  resources: HostResources | null;
  summary: DashboardSummary;
  gpus: DashboardGpu[];
  queue: QueueEntryView[];
  usage: DashboardUsage[];
  events: AuditEvent[];
  /** Bookings active now or starting in the next 24 h; others' owner is null for non-admins ("someone"). */
  bookings?: DashboardBooking[];
  /**
   * Storage quotas (ds01 quota): the viewer's own measured use against each quota they have; for admins,
   * every user at or over a warning level. Absent from older daemons.
   */
  storage?: DashboardStorage[];
  /**
   * On a Slurm cluster (docs/cluster.md): every node's ds01d as it answered this viewer (its GPUs and
   * summary), or why it did not. Absent on a single server.
   */
  nodes?: ClusterNodeView[];
}

export interface DashboardStorage {
  user: string;
  kind: 'workspace' | 'images';
  usedBytes: number;
  hardBytes: number;
  level: 'ok' | 'soft' | 'hard';
}

/** One node of a Slurm cluster on the dashboard; an unreachable one has `error` and no data. */
export interface ClusterNodeView {
  name: string;
  /** The node this dashboard came from. */
  self: boolean;
  reachable: boolean;
  error: string | null;
  host: string | null;
  version: string | null;
  summary: DashboardSummary | null;
  gpus: DashboardGpu[];
}

export interface DashboardBooking {
  id: number;
  owner: string | null;
  mine: boolean;
  maintenance: boolean;
  /** MIG profile, `full` or `mixed`, and how many slots. */
  profile: string | null;
  slots: number;
  gpuIndexes: number[];
  from: string;
  to: string;
  active: boolean;
  state: 'booked' | 'used';
}

// The validated, frozen policy and the limits it resolves to for one user. Pure data: every module that
// makes a decision (allocator, spec builder, lifecycle decide) takes these, never the YAML.
// Durations are milliseconds, sizes are bytes; `null` means unlimited / never; 0 means immediately.

import type { BookingPolicy } from '../booking/types.js';
import type { NotifyPolicy } from './notifications.js';

export type Source = 'default' | `group:${string}` | `user:${string}` | `exemption:${string}`;

export interface Limits {
  priority: number;
  maxMigInstances: number | null;
  maxGpuEquivalents: number | null;
  maxGpusPerContainer: number | null;
  allowFullGpu: boolean;
  maxCpus: number | null;
  memoryBytes: number | null;
  memorySwapBytes: number | null;
  shmSizeBytes: number | null;
  pidsLimit: number | null;
  maxContainersPerUser: number | null;
  idleTimeoutMs: number | null;
  maxRuntimeMs: number | null;
  gpuHoldAfterStopMs: number | null;
  containerHoldAfterStopMs: number | null;
  /** How many times and by how much `container-extend` may push max runtime. */
  maxExtensions: number;
  extensionMs: number | null;
  /** Hard limit on the size of ~/workspace (du-measured); null = no quota. */
  storageWorkspaceBytes: number | null;
  /** Hard limit on the bytes of the images the user owns, shared layers counted once; null = no quota. */
  storageImagesBytes: number | null;
}

export type LimitKey = keyof Limits;

/** Limits plus where each value came from (for `check-limits` and `ds01 config explain`). */
export interface ResolvedLimits {
  user: string;
  group: string;
  /** How the group was chosen: a `members` list, a Linux group of the same name, or `default_group`. */
  groupVia: 'user-override' | 'members' | 'linux-group' | 'default-group';
  limits: Readonly<Limits>;
  sources: Readonly<Record<LimitKey, Source>>;
  /** Global `policies` with the user's group `policies` laid over them. */
  lifecycle: Readonly<LifecyclePolicy>;
  /** Per-user systemd slice caps from the group's `aggregate`; null = none. */
  aggregate: Readonly<AggregateLimits> | null;
  /** Exemptions in force for this user at resolve time (expired ones are left out). */
  exemptions: readonly Exemption[];
}

/** Caps on the sum of all of one user's containers (a per-user cgroup slice). null = no cap. */
export interface AggregateLimits {
  cpus: number | null;
  memoryMaxBytes: number | null;
  memoryHighBytes: number | null;
  tasksMax: number | null;
}

export type PlacementStrategy = 'spread' | 'pack';

/** What one GPU should look like: MIG instances (GI profiles), one instance spanning it, or MIG off. */
export type MigTarget = { kind: 'mig'; profiles: string[] } | { kind: 'whole' } | { kind: 'off' };

/** `gpu_allocation.layout`: the desired MIG layout per GPU index (wins) or per model id (`H100`). */
export interface MigLayoutPolicy {
  byIndex: Readonly<Record<number, MigTarget>>;
  byModel: Readonly<Record<string, MigTarget>>;
}

export interface GpuAllocationPolicy {
  enableMig: boolean;
  /** The desired MIG layout (`ds01 admin mig plan|apply`); empty = ds01 never changes a layout. */
  layout: MigLayoutPolicy;
  migProfile: string | null;
  strategy: PlacementStrategy;
  /** With users queued, release held slots whose hold has run longest first. */
  releaseHeldWhenQueued: boolean;
  /** How long the first queued entry short of capacity may be overtaken by smaller ones before the slots it
   * could use are reserved for it. null = no bound. */
  maxOvertakeWaitMs: number | null;
  /** Hand out a slot that a process outside ds01 is using (issue 18); false = it counts as busy. */
  allowUnmanaged?: boolean;
}

export interface LifecyclePolicy {
  gpuIdleThresholdPct: number;
  cpuIdleThresholdPct: number;
  networkIdleThresholdBytesPerSec: number;
  idleDetectionWindow: number; // consecutive samples
  startupGraceMs: number;
  keepAliveMaxMs: number | null;
  warningPointsMs: number[]; // before a deadline, descending
  sigtermGraceSec: number;
  neverStartedTimeoutMs: number | null;
  /** How long a paused container (container-pause) may stay paused before it is stopped; null = no limit. */
  maxPauseMs: number | null;
  highDemandThreshold: number | null; // fraction of slots allocated, 0..1
  highDemandIdleFactor: number; // multiply idle timeout by this under high demand
  /** How long hourly usage rollups are kept (raw samples are pruned after hours). */
  usageRetentionMs: number;
  /** The storage soft limit as a fraction of the hard one: a warning once use crosses it (0.8 = 80%). */
  storageSoftThreshold: number;
  /** false: storage is measured and warned about, but nothing is refused over a hard limit. */
  enforceStorageQuotas: boolean;
}

export interface Schedules {
  idleSweep: string;
  runtimeSweep: string;
  holdSweep: string;
  gpuRefresh: string;
}

export interface ImageCatalogueEntry {
  name: string;
  image: string;
  description: string;
}

export interface SharedMount {
  source: string;
  target: string;
}

export interface Exemption {
  user: string;
  /** Limits lifted (set to unlimited, or `allow_full_gpu` to true); 'lifecycle' = no idle or runtime stop. */
  keys: LimitKey[] | 'lifecycle';
  expires: string; // ISO date as written; a bare date is valid through that day (UTC)
  reason: string;
}

export interface GroupPolicy {
  members: string[];
  limits: Partial<Limits>;
  /** Per-group idle-detection overrides (the replaced system's `groups.<g>.policies`). */
  lifecycle: Partial<LifecyclePolicy>;
  aggregate: AggregateLimits | null;
  /** `groups.<g>.booking`: over the top-level `booking` keys. */
  booking?: Partial<BookingPolicy>;
  /** GPU slots all members together may hold across a Slurm cluster (GrpTRES gres/gpu); null = no cap. */
  groupMaxGpus: number | null;
}

export interface Policy {
  defaults: Readonly<Limits>;
  groups: Readonly<Record<string, GroupPolicy>>;
  userOverrides: Readonly<Record<string, Partial<Limits>>>;
  /** `user_overrides.<u>.group`: puts a user in a group regardless of members lists and Linux groups. */
  userGroups: Readonly<Record<string, string>>;
  defaultGroup: string;
  gpuAllocation: GpuAllocationPolicy;
  lifecycle: LifecyclePolicy;
  schedules: Schedules;
  images: ImageCatalogueEntry[];
  sharedMounts: SharedMount[];
  exemptions: Exemption[];
  admin: { group: string; users: string[] };
  /** `enforcement.aggregate_limits`: place each user's containers in a per-user slice with `aggregate` caps. */
  aggregateLimits: boolean;
  /** `jobs:` batch jobs. idle_timeout: null (default) = a job is never stopped for idleness. */
  jobs?: { idleTimeoutMs: number | null };
  /** `notifications:` (policy/notifications.ts); absent in policies built in code = BUILTIN_NOTIFY. */
  notifications?: NotifyPolicy;
  /** `booking:` advance booking limits (defaults; groups may override each key). */
  booking?: BookingPolicy;
  /**
   * The line each value set in the file is on, by `defaults.KEY`, `groups.G.KEY`, `user_overrides.U.KEY`
   * (YAML names; `config explain` shows them). Absent for policies built in code.
   */
  lines?: Readonly<Record<string, number>>;
}

export type Severity = 'error' | 'warning' | 'note';

/** One finding about a policy file; line and column are 1-based and point at the offending node. */
export interface Diagnostic {
  severity: Severity;
  file: string;
  line: number;
  column: number;
  path: string; // e.g. 'groups.students.memory'; '' for the document itself
  message: string;
  expected?: string;
  hint?: string;
}

export type ParseResult =
  | { ok: true; policy: Policy; warnings: Diagnostic[] }
  | { ok: false; errors: Diagnostic[]; warnings: Diagnostic[] };

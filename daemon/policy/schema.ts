// The key catalogue of resource-limits.yaml: every key ds01 reads, its type and plain-number unit, the spellings
// of the system ds01 replaces (aliases, reported as notes), and the keys of that system ds01 does not implement
// (reported as warnings naming them, never errors, so an old file still loads).

import type { NumberSpec } from './reader.js';
import type { LifecyclePolicy, LimitKey } from './types.js';
import type { DurationUnit } from './units.js';

export type FieldKind =
  | { type: 'number'; spec: NumberSpec }
  | { type: 'bool' }
  | { type: 'duration'; unit: DurationUnit; nullable: boolean }
  | { type: 'durations'; unit: DurationUnit }
  | { type: 'size'; nullable: boolean };

const count = (min: number, nullable = true): FieldKind => ({
  type: 'number',
  spec: { integer: true, min, nullable },
});
const hours = (nullable = true): FieldKind => ({ type: 'duration', unit: 'h', nullable });

export const LIMIT_FIELDS: Readonly<Record<string, { key: LimitKey; kind: FieldKind }>> = {
  priority: { key: 'priority', kind: { type: 'number', spec: { integer: true, min: 0, max: 100 } } },
  max_mig_instances: { key: 'maxMigInstances', kind: count(0) },
  max_gpu_equivalents: {
    key: 'maxGpuEquivalents',
    kind: { type: 'number', spec: { min: 0, nullable: true } },
  },
  max_gpus_per_container: { key: 'maxGpusPerContainer', kind: count(0) },
  allow_full_gpu: { key: 'allowFullGpu', kind: { type: 'bool' } },
  max_cpus: {
    key: 'maxCpus',
    kind: { type: 'number', spec: { min: 0, exclusiveMin: true, nullable: true } },
  },
  memory: { key: 'memoryBytes', kind: { type: 'size', nullable: true } },
  memory_swap: { key: 'memorySwapBytes', kind: { type: 'size', nullable: true } },
  shm_size: { key: 'shmSizeBytes', kind: { type: 'size', nullable: true } },
  pids_limit: { key: 'pidsLimit', kind: count(1) },
  max_containers_per_user: { key: 'maxContainersPerUser', kind: count(0) },
  idle_timeout: { key: 'idleTimeoutMs', kind: hours() },
  max_runtime: { key: 'maxRuntimeMs', kind: hours() },
  gpu_hold_after_stop: { key: 'gpuHoldAfterStopMs', kind: hours() },
  container_hold_after_stop: { key: 'containerHoldAfterStopMs', kind: hours() },
  max_extensions: { key: 'maxExtensions', kind: count(0, false) },
  extension_duration: { key: 'extensionMs', kind: hours() },
  storage_workspace: { key: 'storageWorkspaceBytes', kind: { type: 'size', nullable: true } },
  storage_images: { key: 'storageImagesBytes', kind: { type: 'size', nullable: true } },
};

/** YAML name of each Limits field, for messages and `explain`. */
export const LIMIT_YAML_NAME: Readonly<Record<LimitKey, string>> = Object.fromEntries(
  Object.entries(LIMIT_FIELDS).map(([name, field]) => [field.key, name]),
) as Record<LimitKey, string>;

export interface Alias {
  canonical: string;
  /** Plain numbers count in this unit (the `_h`/`_m`/`_s` keys). */
  unit?: DurationUnit;
  /** The old key measured the opposite way (a reduction instead of a factor). */
  oneMinus?: boolean;
}

const SUFFIX_UNIT: Readonly<Record<string, DurationUnit>> = { _h: 'h', _m: 'm', _s: 's' };

/** Explicit aliases first, then `<duration key>_h|_m|_s` hour/minute/second numbers of the old schema. */
export function findAlias(
  key: string,
  fields: Readonly<Record<string, { kind: FieldKind }>>,
  explicit: Readonly<Record<string, Alias>>,
): Alias | undefined {
  const direct = explicit[key];
  if (direct) return direct;
  const unit = SUFFIX_UNIT[key.slice(-2)];
  const base = key.slice(0, -2);
  if (unit && fields[base]?.kind.type === 'duration') return { canonical: base, unit };
  return undefined;
}

export const LIMIT_ALIASES: Readonly<Record<string, Alias>> = {
  max_gpu_slots_per_container: { canonical: 'max_gpus_per_container' },
  max_mig_per_container: { canonical: 'max_gpus_per_container' },
  max_gpus_per_user: { canonical: 'max_mig_instances' },
  cpus: { canonical: 'max_cpus' },
};

/** Keys of the replaced system that ds01 does not enforce, with what to use instead. */
export const UNIMPLEMENTED_LIMITS: Readonly<Record<string, string>> = {
  max_tasks:
    'its per-user systemd slice task cap; ds01 caps processes per container with pids_limit, per user with aggregate.tasks_max',
  gpu_memory: 'GPU memory is bounded by the MIG slice itself',
  io_read_bps: 'I/O bandwidth limits',
  io_write_bps: 'I/O bandwidth limits',
  ulimit_nofile: 'open-file ulimits',
  storage_data:
    'ds01 mounts no per-user data directory (shared_mounts are read-only); use the file system\'s own quotas there (README: "Disk quotas")',
  storage_tmp:
    "a container's /tmp lives in its writable layer, which Docker caps only on overlay2 over XFS with project quotas; ds01 counts the workspace (storage_workspace) and images (storage_images)",
};

export interface LifecycleField {
  key: keyof LifecyclePolicy;
  kind: FieldKind;
  /** May be set under groups.<g>.policies (idle detection is tuned per group in the replaced system). */
  perGroup: boolean;
}

const percent: FieldKind = { type: 'number', spec: { min: 0, max: 100 } };

export const LIFECYCLE_FIELDS: Readonly<Record<string, LifecycleField>> = {
  gpu_idle_threshold: { key: 'gpuIdleThresholdPct', kind: percent, perGroup: true },
  // Docker reports CPU per core, so a busy 4-core container reads 400%.
  cpu_idle_threshold: {
    key: 'cpuIdleThresholdPct',
    kind: { type: 'number', spec: { min: 0 } },
    perGroup: true,
  },
  network_idle_threshold: {
    key: 'networkIdleThresholdBytesPerSec',
    kind: { type: 'size', nullable: false },
    perGroup: true,
  },
  idle_detection_window: { key: 'idleDetectionWindow', kind: count(1, false), perGroup: true },
  grace_period: {
    key: 'startupGraceMs',
    kind: { type: 'duration', unit: 'm', nullable: false },
    perGroup: true,
  },
  keep_alive_max: { key: 'keepAliveMaxMs', kind: hours(), perGroup: true },
  warning_points: { key: 'warningPointsMs', kind: { type: 'durations', unit: 'm' }, perGroup: true },
  sigterm_grace: {
    key: 'sigtermGraceSec',
    kind: { type: 'duration', unit: 's', nullable: false },
    perGroup: true,
  },
  never_started_timeout: {
    key: 'neverStartedTimeoutMs',
    kind: { type: 'duration', unit: 'm', nullable: true },
    perGroup: true,
  },
  max_pause: { key: 'maxPauseMs', kind: hours(), perGroup: true },
  usage_retention: {
    key: 'usageRetentionMs',
    kind: { type: 'duration', unit: 'd', nullable: false },
    perGroup: false,
  },
  high_demand_threshold: {
    key: 'highDemandThreshold',
    kind: { type: 'number', spec: { min: 0, max: 1, nullable: true } },
    perGroup: false,
  },
  high_demand_idle_factor: {
    key: 'highDemandIdleFactor',
    kind: { type: 'number', spec: { min: 0, exclusiveMin: true, max: 1 } },
    perGroup: false,
  },
  soft_limit_threshold: {
    key: 'storageSoftThreshold',
    kind: { type: 'number', spec: { min: 0, exclusiveMin: true, max: 1 } },
    perGroup: true,
  },
  enforce_storage_quotas: { key: 'enforceStorageQuotas', kind: { type: 'bool' }, perGroup: false },
};

export const LIFECYCLE_ALIASES: Readonly<Record<string, Alias>> = {
  keepalive_max_duration_h: { canonical: 'keep_alive_max', unit: 'h' },
  created_container_timeout_m: { canonical: 'never_started_timeout', unit: 'm' },
  high_demand_idle_reduction: { canonical: 'high_demand_idle_factor', oneMinus: true },
};

export const UNIMPLEMENTED_LIFECYCLE: Readonly<Record<string, string>> = {
  gpu_hold_after_manual_stop_m:
    'a separate hold for manual stops; ds01 holds for gpu_hold_after_stop after any stop',
  auto_stop_idle: 'an on/off switch; set idle_timeout to null instead',
  checkpoint_warning: 'a single warning; use warning_points',
  require_workspace_mount: 'ds01 always mounts the workspace',
  graceful_errors: 'ds01 always explains refusals',
  suggest_alternatives: 'ds01 always suggests the queue',
};

export const GPU_ALLOCATION_KEYS = [
  'enable_mig',
  'mig_profile',
  'strategy',
  'release_held_when_queued',
  'max_overtake_wait',
  'layout',
  'allow_unmanaged',
] as const;

export const UNIMPLEMENTED_GPU_ALLOCATION: Readonly<Record<string, string>> = {
  mig_instances_per_gpu: 'a fixed ratio; ds01 weighs each slot by its compute slices',
  slots_per_gpu: 'a fixed ratio; ds01 weighs each slot by its compute slices',
  allocation_method: 'ds01 always allocates at container start',
  mig_strategy: 'the MIG layout is read from nvidia-smi; set the desired one with gpu_allocation.layout',
  mig_gpus: 'the desired MIG layout is gpu_allocation.layout (per GPU index or model; ds01 admin mig apply)',
  respect_reservations: 'reservations',
};

export const SCHEDULE_KEYS = {
  idle_sweep: 'idleSweep',
  runtime_sweep: 'runtimeSweep',
  hold_sweep: 'holdSweep',
  gpu_refresh: 'gpuRefresh',
} as const;

export const TOP_LEVEL_KEYS = [
  'defaults',
  'groups',
  'user_overrides',
  'default_group',
  'gpu_allocation',
  'policies',
  'schedules',
  'images',
  'shared_mounts',
  'exemptions',
  'admin',
  'enforcement',
  'jobs',
  'notifications',
  'booking',
] as const;

/** Whole sections of the replaced system that ds01 has no counterpart for. */
export const UNIMPLEMENTED_SECTIONS: Readonly<Record<string, string>> = {
  container_types: 'ds01 manages only containers it created; others are reported, not given limits',
  monitoring: 'ds01 exports Prometheus metrics itself',
  bare_metal_access: 'GPU use outside containers is not managed by ds01',
  advanced: 'none of its settings exist in ds01',
  wizard: 'ds01 commands carry their own help',
};

export const GROUP_EXTRA_KEYS = ['members', 'policies', 'aggregate', 'booking', 'group_max_gpus'] as const;

export const AGGREGATE_KEYS = ['cpu_quota', 'memory_max', 'memory_high', 'tasks_max', 'gpu_limit'] as const;

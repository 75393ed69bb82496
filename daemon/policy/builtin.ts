// What ds01 uses for a key the policy file leaves out. GPU quotas default to null so that a file which sets only
// one of `max_mig_instances` (slot count) or `max_gpu_equivalents` (compute fraction) is limited by that one,
// as the replaced system's two schemas each meant.

import type { GpuAllocationPolicy, LifecyclePolicy, Limits, Schedules } from './types.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const BUILTIN_LIMITS: Readonly<Limits> = Object.freeze({
  priority: 10,
  maxMigInstances: null,
  maxGpuEquivalents: null,
  maxGpusPerContainer: 1,
  allowFullGpu: false,
  maxCpus: null,
  memoryBytes: null,
  memorySwapBytes: null,
  shmSizeBytes: null,
  pidsLimit: null,
  maxContainersPerUser: null,
  idleTimeoutMs: null,
  maxRuntimeMs: null,
  gpuHoldAfterStopMs: 15 * MINUTE,
  containerHoldAfterStopMs: null,
  maxExtensions: 0,
  extensionMs: null,
  storageWorkspaceBytes: null,
  storageImagesBytes: null,
});

export const BUILTIN_LIFECYCLE: Readonly<LifecyclePolicy> = Object.freeze({
  gpuIdleThresholdPct: 5,
  cpuIdleThresholdPct: 2,
  networkIdleThresholdBytesPerSec: 1024 * 1024,
  idleDetectionWindow: 3,
  startupGraceMs: 30 * MINUTE,
  keepAliveMaxMs: 24 * HOUR,
  warningPointsMs: Object.freeze([30 * MINUTE, 15 * MINUTE, 5 * MINUTE]) as number[],
  sigtermGraceSec: 60,
  neverStartedTimeoutMs: 30 * MINUTE,
  maxPauseMs: 2 * HOUR,
  highDemandThreshold: 0.8,
  highDemandIdleFactor: 0.5,
  usageRetentionMs: 365 * 24 * HOUR,
  storageSoftThreshold: 0.8,
  enforceStorageQuotas: true,
});

export const BUILTIN_GPU_ALLOCATION: Readonly<GpuAllocationPolicy> = Object.freeze({
  enableMig: true,
  layout: Object.freeze({ byIndex: Object.freeze({}), byModel: Object.freeze({}) }),
  migProfile: null,
  strategy: 'spread',
  releaseHeldWhenQueued: true,
  maxOvertakeWaitMs: 30 * 60_000,
  allowUnmanaged: false,
});

export const BUILTIN_SCHEDULES: Readonly<Schedules> = Object.freeze({
  idleSweep: '*/5 * * * *',
  runtimeSweep: '*/5 * * * *',
  holdSweep: '* * * * *',
  gpuRefresh: '* * * * *',
});

export const BUILTIN_ADMIN_GROUP = 'ds01-admin';

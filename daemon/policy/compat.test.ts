// The two real policies of the system ds01 replaces (../shared/ds01-compat) must load, and each group must get
// the limits that system gave it: defaults with the group's keys laid over them, null meaning unlimited.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostics } from './diagnostics.js';
import { parsePolicy } from './load.js';
import { groupLimits, resolveLimits } from './resolve.js';
import type { Limits, Policy } from './types.js';

const COMPAT = join(import.meta.dirname, '../../../shared/ds01-compat');
const present = existsSync(COMPAT);
const NOW = new Date('2026-08-01T00:00:00Z');
const M = 60_000;
const H = 60 * M;
const G = 1024 ** 3;

function load(name: string) {
  const result = parsePolicy(readFileSync(join(COMPAT, name), 'utf8'), name, { now: NOW });
  if (!result.ok) throw new Error(formatDiagnostics(result.errors));
  return result;
}

function effective(policy: Policy): Record<string, Limits> {
  return Object.fromEntries(Object.keys(policy.groups).map((g) => [g, groupLimits(policy, g).limits]));
}

describe.skipIf(!present)('resource-limits.2026-01.yaml (needs ../shared/ds01-compat)', () => {
  const defaults: Limits = {
    priority: 10,
    maxMigInstances: 3,
    maxGpuEquivalents: null,
    maxGpusPerContainer: 3,
    allowFullGpu: false,
    maxCpus: 32,
    memoryBytes: 32 * G,
    memorySwapBytes: 32 * G,
    shmSizeBytes: 16 * G,
    pidsLimit: 4096,
    maxContainersPerUser: 3,
    idleTimeoutMs: 30 * M,
    maxRuntimeMs: 24 * H,
    gpuHoldAfterStopMs: 15 * M,
    containerHoldAfterStopMs: 30 * M,
    maxExtensions: 0,
    extensionMs: null,
    storageWorkspaceBytes: null,
    storageImagesBytes: null,
  };
  const big = { allowFullGpu: true, maxGpusPerContainer: 4 };

  it('loads, with the effective limits per group that system meant', () => {
    const { policy } = load('resource-limits.2026-01.yaml');
    expect(policy.defaultGroup).toBe('student');
    expect(effective(policy)).toEqual({
      student: defaults,
      researcher: {
        ...defaults,
        ...big,
        maxMigInstances: 6,
        maxCpus: 48,
        memoryBytes: 64 * G,
        memorySwapBytes: 64 * G,
        shmSizeBytes: 32 * G,
        maxRuntimeMs: 48 * H,
        idleTimeoutMs: H,
        maxContainersPerUser: 5,
      },
      faculty: {
        ...defaults,
        ...big,
        maxMigInstances: 8,
        maxCpus: 64,
        memoryBytes: 128 * G,
        memorySwapBytes: 128 * G,
        shmSizeBytes: 64 * G,
        maxRuntimeMs: 72 * H,
        idleTimeoutMs: 2 * H,
        maxContainersPerUser: 5,
      },
      admin: {
        ...defaults,
        allowFullGpu: true,
        maxGpusPerContainer: null,
        maxMigInstances: null,
        maxCpus: 64,
        memoryBytes: 128 * G,
        memorySwapBytes: 128 * G,
        shmSizeBytes: 64 * G,
        idleTimeoutMs: H,
        maxRuntimeMs: 24 * H,
        gpuHoldAfterStopMs: H,
        maxContainersPerUser: 10,
      },
    });
    expect(policy.lifecycle.highDemandThreshold).toBe(0.8);
    expect(policy.lifecycle.highDemandIdleFactor).toBe(0.5);
  });

  it('notes each old spelling and warns naming what it ignores', () => {
    const { warnings } = load('resource-limits.2026-01.yaml');
    const notes = warnings.filter((w) => w.severity === 'note').map((w) => w.path);
    expect(notes).toContain('defaults.max_mig_per_container');
    expect(notes).toContain('policies.high_demand_idle_reduction');
    const ignored = warnings.filter((w) => w.severity === 'warning').map((w) => w.path);
    expect(ignored).toEqual([
      'defaults.max_tasks',
      'groups.researcher.max_tasks',
      'groups.faculty.max_tasks',
      'groups.admin.max_tasks',
      'gpu_allocation.mig_instances_per_gpu',
      'container_types',
      'monitoring',
    ]);
  });

  it('puts users in no listed group into student', () => {
    const { policy } = load('resource-limits.2026-01.yaml');
    expect(resolveLimits(policy, { name: 'newcomer', groups: ['users'] }, NOW).group).toBe('student');
    expect(resolveLimits(policy, { name: 'prof', groups: ['faculty'] }, NOW).limits.maxMigInstances).toBe(8);
  });
});

describe.skipIf(!present)('resource-limits.2026-07.yaml (needs ../shared/ds01-compat)', () => {
  const defaults: Limits = {
    priority: 10,
    maxMigInstances: null,
    maxGpuEquivalents: 1,
    maxGpusPerContainer: 1,
    allowFullGpu: true,
    maxCpus: 32,
    memoryBytes: 32 * G,
    memorySwapBytes: 32 * G,
    shmSizeBytes: 16 * G,
    pidsLimit: 4096,
    maxContainersPerUser: 3,
    idleTimeoutMs: 30 * M,
    maxRuntimeMs: 24 * H,
    gpuHoldAfterStopMs: 15 * M,
    containerHoldAfterStopMs: 30 * M,
    maxExtensions: 0,
    extensionMs: null,
    storageWorkspaceBytes: null,
    storageImagesBytes: null,
  };

  it('loads, with the effective limits per group that system meant', () => {
    const { policy } = load('resource-limits.2026-07.yaml');
    expect(effective(policy)).toEqual({
      student: { ...defaults, maxGpuEquivalents: 2, maxGpusPerContainer: 2 },
      researcher: {
        ...defaults,
        maxGpusPerContainer: 3,
        maxGpuEquivalents: 4,
        maxCpus: 48,
        memoryBytes: 64 * G,
        memorySwapBytes: 64 * G,
        shmSizeBytes: 32 * G,
        maxRuntimeMs: 48 * H,
        idleTimeoutMs: H,
        maxContainersPerUser: 5,
      },
      faculty: {
        ...defaults,
        maxGpusPerContainer: 4,
        maxGpuEquivalents: 4,
        maxCpus: 64,
        memoryBytes: 128 * G,
        memorySwapBytes: 128 * G,
        shmSizeBytes: 64 * G,
        maxRuntimeMs: 72 * H,
        idleTimeoutMs: 2 * H,
        maxContainersPerUser: 5,
      },
      admin: {
        ...defaults,
        maxGpusPerContainer: null,
        maxGpuEquivalents: null,
        maxCpus: 64,
        memoryBytes: 128 * G,
        memorySwapBytes: 128 * G,
        shmSizeBytes: 64 * G,
        idleTimeoutMs: H,
        maxRuntimeMs: 24 * H,
        gpuHoldAfterStopMs: H,
        maxContainersPerUser: 10,
      },
    });
  });

  it('keeps per-group idle detection and aggregate slice caps', () => {
    const { policy } = load('resource-limits.2026-07.yaml');
    const researcher = resolveLimits(policy, { name: 'phd', groups: ['researcher'] }, NOW);
    expect(researcher.lifecycle).toMatchObject({
      cpuIdleThresholdPct: 3,
      idleDetectionWindow: 4,
      gpuIdleThresholdPct: 5,
    });
    expect(researcher.aggregate).toEqual({
      cpus: 240,
      memoryMaxBytes: 320 * G,
      memoryHighBytes: 288 * G,
      tasksMax: 327680,
    });
    const student = resolveLimits(policy, { name: 'stu', groups: [] }, NOW);
    expect(student.lifecycle).toMatchObject({ cpuIdleThresholdPct: 2, idleDetectionWindow: 3 });
    expect(student.aggregate).toEqual({
      cpus: 96,
      memoryMaxBytes: 96 * G,
      memoryHighBytes: 86 * G,
      tasksMax: 12288,
    });
    expect(resolveLimits(policy, { name: 'root-ish', groups: ['admin'] }, NOW).aggregate).toBeNull();
    expect(policy.aggregateLimits).toBe(true);
  });

  it('maps the global policies, in their units', () => {
    const { policy } = load('resource-limits.2026-07.yaml');
    expect(policy.lifecycle).toEqual({
      gpuIdleThresholdPct: 5,
      cpuIdleThresholdPct: 2,
      networkIdleThresholdBytesPerSec: 1048576,
      idleDetectionWindow: 3,
      startupGraceMs: 30 * M,
      keepAliveMaxMs: 24 * H,
      warningPointsMs: [30 * M, 15 * M, 5 * M],
      sigtermGraceSec: 60,
      neverStartedTimeoutMs: 30 * M,
      maxPauseMs: 2 * H,
      highDemandThreshold: 0.8,
      highDemandIdleFactor: 0.5,
      usageRetentionMs: 365 * 86_400_000,
      storageSoftThreshold: 0.8,
      enforceStorageQuotas: true,
    });
  });

  it('takes its admin list from access_control', () => {
    const { policy } = load('resource-limits.2026-07.yaml');
    expect(policy.admin).toEqual({ group: 'ds01-admin', users: ['datasciencelab'] });
  });

  it('warns naming each section and key it ignores', () => {
    const { warnings } = load('resource-limits.2026-07.yaml');
    const ignored = warnings.filter((w) => w.severity === 'warning').map((w) => w.path);
    expect(ignored).toEqual([
      'defaults.max_tasks',
      'enforcement.cgroup_driver',
      'groups.researcher.max_tasks',
      'groups.faculty.max_tasks',
      'groups.admin.max_tasks',
      'policies.gpu_hold_after_manual_stop_m',
      'container_types',
      'monitoring',
      'bare_metal_access',
      'access_control.wrapper',
    ]);
    const hourNote = warnings.find((w) => w.path === 'defaults.idle_timeout_h');
    expect(hourNote).toMatchObject({ severity: 'note', line: 69, column: 3 });
  });
});

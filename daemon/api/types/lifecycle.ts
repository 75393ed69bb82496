// Wire types for the lifecycle: container-why, container-extend, notices, admin sweep.
import { z } from 'zod';

export type LifecycleAction = 'none' | 'warn' | 'stop' | 'release-gpu' | 'remove';

export interface DeadlineInfo {
  kind: 'idle' | 'runtime' | 'never-started' | 'removal' | 'gpu-hold' | 'pause' | 'booking';
  at: string; // ISO
  inSec: number;
  outcome: 'stop' | 'remove' | 'release-gpu';
}

export interface ContainerWhy {
  id: string;
  name: string;
  owner: string;
  state: string;
  action: LifecycleAction;
  reason: string;
  deadline: DeadlineInfo | null;
  /** The newest activity sample. */
  signals: {
    at: string;
    gpuUtilPct: number | null;
    gpuProcesses: number | null;
    cpuPct: number | null;
    netBytesPerSec: number | null;
    sessions: number;
  } | null;
  thresholds: {
    gpuUtilPct: number;
    cpuPct: number;
    netBytesPerSec: number;
    window: number;
    graceSec: number;
  };
  idle: {
    quietSamples: number;
    window: number;
    idleSince: string | null;
    timeoutSec: number | null;
    highDemand: boolean;
    keepAlive: 'none' | 'honoured' | 'past-cap';
    inGrace: boolean;
    busy: string[];
  } | null;
  runtime: {
    usedSec: number;
    limitSec: number | null;
    extensions: number;
    maxExtensions: number;
    extensionSec: number | null;
  } | null;
  exempt: string[];
  /** The same in plain sentences, for the terminal. */
  text: string[];
}

/** POST /v1/containers/:ref/extend; `duration` like 2h (default: the policy's extension). */
export const extendRequest = z.strictObject({ duration: z.string().max(32).optional() });
export type ExtendRequest = z.infer<typeof extendRequest>;

export interface ExtendResult {
  id: string;
  name: string;
  addedSec: number;
  extensions: number;
  maxExtensions: number;
  limitSec: number;
  /** When max runtime now stops it (null when it is not running). */
  stopsAt: string | null;
}

export interface Notice {
  id: number;
  ts: string;
  container: string | null;
  kind: 'warning' | 'action';
  message: string;
  deadline: string | null;
  shown: boolean;
}

/** POST /v1/admin/sweep */
export const sweepRequest = z.strictObject({ dryRun: z.boolean().default(false) });
/** What a client sends (dryRun may be left out); the route sees it filled in. */
export type SweepRequest = z.input<typeof sweepRequest>;

export interface SweepReportEntry {
  id: string;
  name: string;
  owner: string;
  state: string;
  action: LifecycleAction;
  reason: string;
  deadline: DeadlineInfo | null;
  applied: boolean;
  error: string | null;
}

export interface SweepReport {
  dryRun: boolean;
  startedAt: string;
  durationMs: number;
  sampled: number;
  containers: SweepReportEntry[];
  errors: number;
}

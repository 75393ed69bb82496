// Inputs and outputs of the lifecycle decision. Pure data: the reconciler gathers it (store, Docker,
// nvidia-smi, the workspace), decide() reads it, nothing here does I/O.
import type { ResolvedLimits } from '../policy/types.js';

/** One reading of a container's activity signals (null = not measurable for this container). */
export interface Sample {
  ts: number;
  /** Utilisation of its whole GPU(s), the highest; null for MIG slices (nvidia-smi reports none) or no GPU. */
  gpuUtilPct: number | null;
  /** Compute processes on its slots; null when it holds no GPU. */
  gpuProcesses: number | null;
  /** Percent of one CPU core over the interval; null when Docker gave no usable counters. */
  cpuPct: number | null;
  /** Network bytes per second (rx + tx) since the previous sample; null when unknown or no interface. */
  netBytesPerSec: number | null;
  /** ds01 sessions attached now: shells, SSH channels, forwarded connections. */
  sessions: number;
  /** Carried by the store: when the quiet run this sample belongs to began (survives sample pruning). */
  quietSince?: number | null;
}

export interface LifecycleContainer {
  id: string;
  name: string; // Docker name
  project: string;
  ownerUid: number;
  ownerName: string;
  /** Docker state: created | running | paused | restarting | removing | exited | dead. */
  state: string;
  createdAt: number;
  startedAt: number | null;
  /** When it stopped; while paused, when it was paused (a pause ends a run in the store's accounting). */
  stoppedAt: number | null;
  /** Runtime of finished runs; the current run is added from startedAt. Survives restarts. */
  runtimeMs: number;
  /** `container-extend` so far: how many times and how much in all. */
  extensions: number;
  extensionMs: number;
}

export interface GpuAllocationInfo {
  slot: string;
  state: 'active' | 'held';
  holdUntil: number | null;
}

export interface DecideInput {
  container: LifecycleContainer;
  /** Recent samples, oldest first. */
  samples: readonly Sample[];
  limits: Pick<ResolvedLimits, 'limits' | 'lifecycle' | 'sources' | 'exemptions'>;
  allocations: readonly GpuAllocationInfo[];
  /** The keep-alive file in the workspace exists (null: not looked at). */
  keepAlive: boolean | null;
  /** Fraction (0..1) of the server's GPU slots allocated; null when there are no GPUs. */
  allocatedFraction: number | null;
  /** Warnings already sent for this container (any deadline). */
  warningsSent: readonly SentWarning[];
  /** Something (a user request, a Docker operation) is changing this container right now. */
  inTransition?: boolean;
  /** Someone else's booking (or maintenance) of one of its GPU slots starts then: it must stop by then. */
  booking?: { at: number; bookingId: number; maintenance: boolean } | null;
}

export interface SentWarning {
  key: string;
  pointMs: number;
  at: number;
}

export type DeadlineKind =
  | 'idle'
  | 'runtime'
  | 'never-started'
  | 'removal'
  | 'gpu-hold'
  | 'pause'
  | 'booking';
export type ActionKind = 'none' | 'warn' | 'stop' | 'release-gpu' | 'remove';

export interface Deadline {
  kind: DeadlineKind;
  /** When it happens (epoch ms), after any minimum notice was added. */
  at: number;
  /** Identifies this deadline for "each warning once": a new idle stretch, run or extension is a new key. */
  key: string;
  outcome: 'stop' | 'remove' | 'release-gpu';
}

export interface IdleAssessment {
  /** Why the latest sample is not quiet; empty = quiet. */
  busy: string[];
  quietSamples: number;
  window: number;
  inGrace: boolean;
  graceEndsAt: number | null;
  idleSince: number | null;
  timeoutMs: number | null;
  /** The idle timeout was shortened because GPU demand is high. */
  highDemand: boolean;
  keepAlive: 'none' | 'honoured' | 'past-cap';
}

export interface Decision {
  action: ActionKind;
  /** Plain words: what and why. */
  reason: string;
  /** The deadline it is working to (the earliest), or null when nothing is scheduled. */
  deadline: Deadline | null;
  /** With action 'warn': the point being announced and every point it covers (all due now). */
  warning?: { pointMs: number; covers: number[] };
  /** With action 'stop': SIGTERM grace. */
  graceSec?: number;
  /** When the answer may change without new samples (next warning point or deadline); for exact timers. */
  nextCheckAt: number | null;
  idle: IdleAssessment | null;
  runtime: { usedMs: number; limitMs: number | null } | null;
  /** Limits lifted by an exemption, in words (for `container-why`). */
  exempt: string[];
}

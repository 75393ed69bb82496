// Idle detection, pure. A sample is quiet when every signal is under its threshold and no ds01 session
// (shell, SSH channel or forwarded connection) is attached; a container is idle after
// `idle_detection_window` consecutive quiet samples past the startup grace period. The idle clock starts at the first quiet sample of the run.
import type { LifecyclePolicy } from '../policy/types.js';
import type { IdleAssessment, Sample } from './types.js';

const pct = (n: number) => `${Math.round(n * 10) / 10}%`;

export function formatRate(bytesPerSec: number): string {
  if (bytesPerSec < 1024) return `${Math.round(bytesPerSec)} B/s`;
  if (bytesPerSec < 1024 ** 2) return `${Math.round(bytesPerSec / 102.4) / 10} KiB/s`;
  return `${Math.round(bytesPerSec / 1024 ** 2 / 0.1) / 10} MiB/s`;
}

/** Why a sample is not quiet (empty = quiet). Unknown CPU counts as busy: never stop on missing data. */
export function busyReasons(s: Sample, lc: LifecyclePolicy): string[] {
  const out: string[] = [];
  if (s.gpuUtilPct !== null) {
    if (s.gpuUtilPct >= lc.gpuIdleThresholdPct)
      out.push(`GPU ${pct(s.gpuUtilPct)} (idle below ${lc.gpuIdleThresholdPct}%)`);
  } else if (s.gpuProcesses !== null && s.gpuProcesses > 0) {
    // MIG slices report no utilisation: a process on the slice is the signal.
    out.push(`${s.gpuProcesses} process(es) on its GPU slice`);
  }
  if (s.cpuPct === null) out.push('CPU not measured yet');
  else if (s.cpuPct >= lc.cpuIdleThresholdPct)
    out.push(`CPU ${pct(s.cpuPct)} (idle below ${lc.cpuIdleThresholdPct}%)`);
  if (s.netBytesPerSec !== null && s.netBytesPerSec >= lc.networkIdleThresholdBytesPerSec)
    out.push(
      `network ${formatRate(s.netBytesPerSec)} (idle below ${formatRate(lc.networkIdleThresholdBytesPerSec)})`,
    );
  if (s.sessions > 0) out.push(`${s.sessions} ds01 session(s) attached (shell, SSH or forwarded port)`);
  return out;
}

export const isQuiet = (s: Sample, lc: LifecyclePolicy) => busyReasons(s, lc).length === 0;

/** The quiet-run start to store with a new sample, given the previous stored sample of the same run. */
export function carryQuietSince(
  prev: Pick<Sample, 'ts' | 'quietSince'> | undefined,
  next: Sample,
  lc: LifecyclePolicy,
  runStartedAt: number | null,
): number | null {
  if (!isQuiet(next, lc)) return null;
  const sameRun = prev !== undefined && (runStartedAt === null || prev.ts >= runStartedAt);
  return sameRun && prev?.quietSince != null ? prev.quietSince : next.ts;
}

export interface IdleContext {
  startedAt: number;
  now: number;
  timeoutMs: number | null;
  keepAliveMaxMs: number | null;
  keepAlive: boolean | null;
  highDemand: boolean;
}

/** How idle a running container is, and since when (samples oldest first). */
export function assessIdle(
  samples: readonly Sample[],
  lc: LifecyclePolicy,
  ctx: IdleContext,
): IdleAssessment {
  const graceEndsAt = ctx.startedAt + lc.startupGraceMs;
  const inGrace = ctx.now < graceEndsAt;
  const run = samples.filter((s) => s.ts >= ctx.startedAt);
  const latest = run[run.length - 1];
  const busy = latest ? busyReasons(latest, lc) : ['no activity sample yet'];
  let quiet = 0;
  let first: Sample | undefined;
  for (let i = run.length - 1; i >= 0; i--) {
    const s = run[i] as Sample;
    if (s.ts < graceEndsAt || !isQuiet(s, lc)) break;
    quiet++;
    first = s;
  }
  const window = Math.max(1, lc.idleDetectionWindow);
  let idleSince: number | null = null;
  if (!inGrace && first && quiet >= window) {
    const carried = first.quietSince ?? first.ts;
    idleSince = Math.max(graceEndsAt, Math.min(carried, first.ts));
  }
  let keepAlive: IdleAssessment['keepAlive'] = 'none';
  if (ctx.keepAlive && idleSince !== null) {
    const cap = ctx.keepAliveMaxMs;
    keepAlive = cap === null || ctx.now < idleSince + cap ? 'honoured' : 'past-cap';
  }
  return {
    busy,
    quietSamples: quiet,
    window,
    inGrace,
    graceEndsAt,
    idleSince,
    timeoutMs: ctx.timeoutMs,
    highDemand: ctx.highDemand,
    keepAlive,
  };
}

/**
 * How long a container may stay idle: the idle timeout, or with a keep-alive file up to its cap (never
 * less than the timeout). null = no idle stop.
 */
export function allowedIdleMs(timeoutMs: number | null, keepAlive: boolean | null, capMs: number | null) {
  if (timeoutMs === null) return null;
  if (!keepAlive) return timeoutMs;
  return capMs === null ? null : Math.max(timeoutMs, capMs);
}

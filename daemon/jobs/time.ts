// Pure: a job's time limit. `--time` is what the user asks for; the policy's max_runtime is the ceiling
// (Slurm's partition MaxTime). No --time means the ceiling.
import { badRequest } from '../errors.js';
import { formatDuration, parseDuration } from '../policy/units.js';
export interface TimeLimit {
  ms: number | null;
  /** The request was above max_runtime and was lowered to it. */
  capped: boolean;
}

/**
 * `--time` as the user wrote it (30m, 6h, 2h30m) against max_runtime: the limit and, when it was lowered,
 * a note saying so. A malformed or non-positive --time is a bad request saying how to write it.
 */
export function requestedTimeLimit(
  time: string | undefined,
  maxRuntimeMs: number | null,
): TimeLimit & { notes: string[] } {
  let requested: number | null = null;
  if (time !== undefined) {
    try {
      requested = parseDuration(time, 'm');
    } catch (err) {
      throw badRequest(`--time ${time}: ${(err as Error).message}`, 'write it like 30m, 6h or 2h30m');
    }
    if (requested === null || requested <= 0) throw badRequest(`--time ${time} is not a positive time`);
  }
  const limit = effectiveTimeLimit(requested, maxRuntimeMs);
  const notes = limit.capped
    ? [`--time ${time} is above your max_runtime; the job may run ${formatDuration(limit.ms)} at most`]
    : [];
  return { ...limit, notes };
}

export function effectiveTimeLimit(requestedMs: number | null, maxRuntimeMs: number | null): TimeLimit {
  if (requestedMs === null) return { ms: maxRuntimeMs, capped: false };
  if (maxRuntimeMs !== null && requestedMs > maxRuntimeMs) return { ms: maxRuntimeMs, capped: true };
  return { ms: requestedMs, capped: false };
}

/** The lifecycle limits for a job's container: its own time limit, and no idle stop unless the policy's
 * `jobs.idle_timeout` asks for one (a job is unattended by design). */
export function jobLifecycleLimits<L extends { maxRuntimeMs: number | null; idleTimeoutMs: number | null }>(
  limits: L,
  job: { timeLimitMs: number | null },
  jobsIdleTimeoutMs: number | null,
): L {
  return {
    ...limits,
    maxRuntimeMs: job.timeLimitMs ?? limits.maxRuntimeMs,
    idleTimeoutMs: jobsIdleTimeoutMs,
  };
}

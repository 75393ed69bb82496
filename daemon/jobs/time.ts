// Pure: a job's time limit. `--time` is what the user asks for; the policy's max_runtime is the ceiling
// (Slurm's partition MaxTime). No --time means the ceiling.
export interface TimeLimit {
  ms: number | null;
  /** The request was above max_runtime and was lowered to it. */
  capped: boolean;
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

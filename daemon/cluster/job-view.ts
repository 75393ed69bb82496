// Pure: a Slurm job (as sacct tells it) in the shape `ds01 job list/show` prints, with Slurm's own state
// kept beside ds01's word for it. The job's Comment is ds01's: `ds01:<project>` at submit, and
// `ds01: <reason>` when the batch step failed it (e.g. the node's ds01d stopped answering).
import type { JobStateName, JobView } from '../api/types/jobs.js';
import type { SacctJob } from './slurm-text.js';

const STATES: Readonly<Record<string, JobStateName>> = {
  PENDING: 'queued',
  REQUEUED: 'queued',
  CONFIGURING: 'starting',
  RUNNING: 'running',
  COMPLETING: 'running',
  SUSPENDED: 'running',
  COMPLETED: 'completed',
  CANCELLED: 'cancelled',
  TIMEOUT: 'timed_out',
  DEADLINE: 'timed_out',
  FAILED: 'failed',
  NODE_FAIL: 'failed',
  OUT_OF_MEMORY: 'failed',
  BOOT_FAIL: 'failed',
  PREEMPTED: 'failed',
};

export function ds01State(slurmState: string): JobStateName {
  return STATES[slurmState] ?? 'failed';
}

const PROJECT_MARK = /^ds01:([a-z0-9][a-z0-9_.-]{0,62})$/;
const REASON_MARK = /^ds01: (.+)$/s;

/** sacct prints local time without a zone; Date reads it as local time too. */
const iso = (t: string | null) =>
  t === null || Number.isNaN(Date.parse(t)) ? null : new Date(t).toISOString();

/** The project a ds01 submit recorded, if the comment still says it. */
export const projectOf = (comment: string) => PROJECT_MARK.exec(comment.trim())?.[1] ?? null;

export function slurmJobView(
  s: SacctJob,
  opts: { now: number; logDir: (project: string) => string },
): JobView {
  const ds01Reason = REASON_MARK.exec(s.comment.trim())?.[1] ?? null;
  const project = projectOf(s.comment) ?? 'jobs';
  const state = ds01State(s.state);
  const ended = s.end !== null && !['queued', 'starting', 'running'].includes(state);
  const runtimeMs =
    s.start === null ? null : ended ? s.elapsedSec * 1000 : Math.max(0, opts.now - Date.parse(s.start));
  const gpuCount = Object.values(s.gpus).reduce((a, b) => a + b, 0);
  const types = Object.keys(s.gpus).filter(Boolean);
  const profile = types.length === 1 && types[0] !== 'full' ? (types[0] as string) : null;
  const reason =
    ds01Reason ??
    s.reason ??
    (state === 'completed'
      ? 'exited with code 0'
      : s.exitCode !== null && state === 'failed'
        ? `exited with code ${s.exitCode}`
        : null);
  return {
    id: s.id,
    name: s.name,
    owner: s.user,
    ownerUid: s.uid,
    project,
    state,
    reason,
    command: [],
    image: null,
    gpu: gpuCount ? { count: gpuCount, profile } : null,
    after: null,
    timeLimitMs: s.timeLimitMin === null ? null : s.timeLimitMin * 60_000,
    submittedAt: iso(s.submit) ?? new Date(opts.now).toISOString(),
    startedAt: iso(s.start),
    endedAt: ended ? iso(s.end) : null,
    runtimeMs,
    exitCode: ended ? s.exitCode : null,
    gpuSlots: [],
    gpuHours: runtimeMs === null ? 0 : (gpuCount * runtimeMs) / 3_600_000,
    containerId: null,
    logPath: `${opts.logDir(project)}/slurm-${s.id}.out`,
    queue: null,
    slurm: { state: s.state, node: s.node, reason: ds01Reason ?? s.reason },
  };
}

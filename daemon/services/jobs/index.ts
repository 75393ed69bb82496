// Batch jobs (issue 16, DESIGN §13): what the routes call. A job is a container of the user's running one
// command, made through the container service's plan, quotas and create saga, waiting in the same GPU
// queue as `--queue` deploys. runner.ts starts, watches and ends them; this file answers requests:
// submit, list, show, cancel, wait. Another user's job is FORBIDDEN (audited by the server), never acted on.

import { gpuRequestOf } from '../../api/types/containers.js';
import type { JobSubmitResult, JobView, JobWaitResult } from '../../api/types/jobs.js';
import { type JobSubmitRequest, jobSubmitRequest } from '../../api/types/jobs.js';
import { Ds01Error, notFound } from '../../errors.js';
import type { Caller } from '../../identity/caller.js';
import { JOBS_DIR } from '../../jobs/command.js';
import { cancelAction, dependencyVerdict, isFinal, waitExitCode } from '../../jobs/states.js';
import { requestedTimeLimit } from '../../jobs/time.js';
import { formatDuration } from '../../policy/units.js';
import { type Audit, auditLog } from '../../store/audit.js';
import type { JobRow } from '../../store/jobs.js';
import { actorOf, ownImageRef } from '../containers/index.js';
import { workspacePath } from '../workspace.js';
import { containerRequestOf, type JobRunner, type JobsDeps } from './runner.js';

export { isQueuedJob, JobRunner, type JobsDeps, type QueuedJobRef } from './runner.js';

const DEFAULT_PROJECT = 'jobs';
/** Ended jobs stay in `job list` (without --all) this long. */
const SHOW_ENDED_MS = 24 * 3600_000;
const STOP_GRACE_SEC = 10;

export class JobService {
  private readonly audit: Audit;

  constructor(
    private readonly d: JobsDeps,
    readonly runner: JobRunner,
  ) {
    this.audit = auditLog(d.store.events, () => d.clock.now());
  }

  async submit(caller: Caller, body: unknown): Promise<JobSubmitResult> {
    const req: JobSubmitRequest = jobSubmitRequest.parse(body);
    const acct = await this.d.accounts.byUid(caller.uid);
    if (!acct) throw new Ds01Error('UNAUTHENTICATED', `uid ${caller.uid} has no account on this host`);
    const limits = await this.d.leases.limitsOf(acct);
    const limit = requestedTimeLimit(req.time, limits.maxRuntimeMs);
    const notes = [...limit.notes];
    if (req.after !== undefined) {
      const dep = this.visible(caller, req.after);
      const v = dependencyVerdict(dep);
      if (v.kind === 'fail')
        throw new Ds01Error(
          'CONFLICT',
          `cannot run after job ${dep.id}: ${v.reason}`,
          'submit it without --after',
        );
    }
    const project = req.project ?? DEFAULT_PROJECT;
    // `--project thesis` with no image runs on the user's own thesis image when they built one.
    let image = req.image;
    if (!image && req.project) {
      const own = ownImageRef(req.project, acct.uid);
      if (own && (await this.d.ops.imageExists(own))) image = own;
    }
    const stored: JobSubmitRequest = { ...req, ...(image ? { image } : {}) };
    const now = this.d.clock.now();
    const id = this.d.store.tx(() => {
      const id = this.d.store.jobs.insert({
        owner_uid: acct.uid,
        owner_name: acct.name,
        name: req.name ?? (req.command[0] ?? 'job').split('/').pop()?.slice(0, 63) ?? 'job',
        project,
        request_json: JSON.stringify(stored),
        state: 'pending',
        after_id: req.after ?? null,
        time_limit_ms: limit.ms,
        log_path: '',
        submitted_at: now,
      });
      this.d.store.jobs.setLogPath(id, `${workspacePath(acct.home, project)}/${JOBS_DIR}/${id}.log`);
      this.audit.byUser(
        caller,
        'job.submitted',
        { subjectUid: acct.uid, containerName: `job ${id}` },
        `submitted: ${req.command.join(' ').slice(0, 200)}`,
        { job: id, after: req.after ?? null, timeLimitMs: limit.ms },
        now,
      );
      return id;
    });
    const dep = req.after === undefined ? undefined : this.d.store.jobs.get(req.after);
    if (dep && !isFinal(dep.state)) {
      this.d.store.jobs.transition(id, ['pending'], 'pending', {
        reason: `waiting for job ${dep.id} to complete`,
      });
    } else {
      try {
        await this.runner.launch(id, actorOf(caller), true);
      } catch (err) {
        // Refused before anything ran (bad image, over a hard limit): an error to the caller, not a job.
        const row = this.d.store.jobs.get(id);
        if (row && row.state === 'failed' && row.container_id === null) this.d.store.jobs.delete(id);
        throw err;
      }
    }
    return { job: this.view(this.d.store.jobs.get(id) as JobRow), notes };
  }

  /** The caller's job, or FORBIDDEN (someone else's; audited by the server) / NOT_FOUND. */
  private visible(caller: Caller, id: number): JobRow {
    const job = this.d.store.jobs.get(id);
    if (!job) throw notFound(`job ${id}`, 'see your jobs with `ds01 job list`');
    if (!caller.admin && job.owner_uid !== caller.uid)
      throw new Ds01Error('FORBIDDEN', `job ${id} is not yours`, 'see your jobs with `ds01 job list`');
    return job;
  }

  list(caller: Caller, opts: { all?: boolean }): JobView[] {
    const since = opts.all ? 0 : this.d.clock.now() - SHOW_ENDED_MS;
    const rows = this.d.store.jobs.list({
      ...(caller.admin ? {} : { ownerUid: caller.uid }),
      since,
      limit: opts.all ? 10_000 : 500,
    });
    return rows.map((r) => this.view(r));
  }

  show(caller: Caller, id: number): JobView {
    return this.view(this.visible(caller, id));
  }

  async cancel(caller: Caller, id: number, adminReason?: string): Promise<JobView> {
    const job = this.visible(caller, id);
    if (adminReason !== undefined && !caller.admin)
      throw new Ds01Error('FORBIDDEN', 'only an admin cancels a job with a reason');
    const who = job.owner_uid === caller.uid ? caller.name : `admin ${caller.name}`;
    const reason = `cancelled by ${who}${adminReason ? `: ${adminReason}` : ''}`;
    const actor = actorOf(caller);
    switch (cancelAction(job.state)) {
      case 'already-ended':
        throw new Ds01Error(
          'CONFLICT',
          `job ${id} has already ended (${job.state})`,
          `see \`ds01 job show ${id}\``,
        );
      case 'end-now':
        this.runner.endWithout(id, 'cancelled', reason, actor);
        break;
      case 'leave-queue':
        this.d.store.tx(() => {
          if (job.queue_id !== null) this.d.store.queue.end(job.queue_id, 'left', this.d.clock.now(), reason);
          this.runner.endWithout(id, 'cancelled', reason, actor);
        });
        break;
      case 'stop-container': {
        const cur = this.d.store.jobs.get(id) as JobRow;
        if (!cur.container_id) {
          this.runner.endWithout(id, 'cancelled', reason, actor);
          break;
        }
        this.runner.noteStop(cur.container_id, {
          kind: 'cancel',
          reason,
          byOwner: job.owner_uid === caller.uid,
        });
        // SIGTERM, then SIGKILL after the grace period (Docker's stop).
        await this.d.containers.stopAsDaemon(cur.container_id, reason, STOP_GRACE_SEC);
        await this.runner.finish(id);
        break;
      }
    }
    return this.view(this.d.store.jobs.get(id) as JobRow);
  }

  /** Waits (up to timeoutMs) for the job to end; the client asks again until it has. */
  async wait(caller: Caller, id: number, timeoutMs: number, signal: AbortSignal): Promise<JobWaitResult> {
    let job = this.visible(caller, id);
    if (!isFinal(job.state)) {
      const until = this.d.clock.now() + timeoutMs;
      while (!isFinal(job.state) && !signal.aborted && this.d.clock.now() < until) {
        await this.runner.changed(id, signal, Math.max(1, until - this.d.clock.now()));
        job = this.d.store.jobs.get(id) as JobRow;
      }
    }
    const ended = isFinal(job.state);
    return { job: this.view(job), ended, exitStatus: ended ? waitExitCode(job) : 1 };
  }

  /** For the lifecycle: a job's own time limit on its container. */
  jobOfContainer(containerId: string): { timeLimitMs: number | null } | null {
    const j = this.d.store.jobs.byContainer(containerId);
    return j ? { timeLimitMs: j.time_limit_ms } : null;
  }

  /** The lifecycle is about to stop a job's container: record why, so the job ends timed out, not failed. */
  lifecycleStopping(containerId: string, reason: string): void {
    const j = this.d.store.jobs.byContainer(containerId);
    if (!j) return;
    const timeout = /max runtime/.test(reason);
    this.runner.noteStop(containerId, {
      kind: timeout ? 'timeout' : 'stop',
      reason: timeout ? `time limit ${formatDuration(j.time_limit_ms)} reached; stopped by ds01d` : reason,
    });
  }

  view(r: JobRow): JobView {
    const req = JSON.parse(r.request_json) as JobSubmitRequest;
    const gpu = gpuRequestOf(containerRequestOf(r));
    const now = this.d.clock.now();
    const runtimeMs = r.started_at === null ? null : (r.ended_at ?? now) - r.started_at;
    let queue: JobView['queue'] = null;
    if (r.state === 'queued' && r.queue_id !== null && this.d.queue) {
      const q = this.d.queue
        .list({ uid: r.owner_uid, admin: true } as Caller)
        .find((e) => e.id === r.queue_id);
      queue = {
        id: r.queue_id,
        position: q?.position ?? null,
        estimatedStartAt: q?.estimatedServeAt ?? null,
      };
    }
    return {
      id: r.id,
      name: r.name,
      owner: r.owner_name,
      ownerUid: r.owner_uid,
      project: r.project,
      state: r.state,
      reason: r.reason,
      command: req.command,
      image: req.image ?? null,
      gpu: gpu ? { count: gpu.count, profile: gpu.profile } : null,
      after: r.after_id,
      timeLimitMs: r.time_limit_ms,
      submittedAt: new Date(r.submitted_at).toISOString(),
      startedAt: r.started_at === null ? null : new Date(r.started_at).toISOString(),
      endedAt: r.ended_at === null ? null : new Date(r.ended_at).toISOString(),
      runtimeMs,
      exitCode: r.exit_code,
      gpuSlots: r.gpu_slots ? (JSON.parse(r.gpu_slots) as string[]) : [],
      gpuHours: runtimeMs === null ? 0 : (r.gpu_equivalents * runtimeMs) / 3_600_000,
      containerId: r.container_id,
      logPath: r.log_path,
      queue,
    };
  }
}

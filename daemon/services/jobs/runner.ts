// Runs jobs: starts a job's container (or puts it in the GPU queue), watches it end (Docker's die events,
// through DockerSync), records the end with its exit code and reason, releases its GPU at once, and moves
// the jobs that wait on it (`--after`). After every reconcile (start-up, Docker reconnect) it checks every
// active job against Docker, so a restart (kill -9 included) never leaves a job "running" that is not.

import type { ContainerCreateRequest } from '../../api/types/containers.js';
import { gpuRequestOf } from '../../api/types/containers.js';
import type { EventKind } from '../../api/types/events.js';
import { type JobSubmitRequest, jobGpuFields } from '../../api/types/jobs.js';
import type { Clock } from '../../clock.js';
import { localWhen } from '../../common/when.js';
import type { DockerOps } from '../../docker/ops.js';
import { isRunningLike } from '../../docker/reconcile.js';
import { Ds01Error } from '../../errors.js';
import type { AccountLookup } from '../../identity/nss.js';
import { jobCommand, jobWorkdir } from '../../jobs/command.js';
import { dependencyVerdict, type JobState, outcomeOf, type StopIntent } from '../../jobs/states.js';
import type { Logger } from '../../log.js';
import { formatDuration } from '../../policy/units.js';
import { type Audit, auditLog } from '../../store/audit.js';
import type { Store } from '../../store/index.js';
import type { JobRow } from '../../store/jobs.js';
import type { Actor, ContainerService, Owner } from '../containers/index.js';
import { DAEMON } from '../containers/index.js';
import type { GpuLeases } from '../gpu-leases.js';
import type { GpuQueue } from '../gpu-queue.js';
import { recoverJobs } from './recover.js';

export interface JobsDeps {
  store: Store;
  containers: Pick<
    ContainerService,
    'createForJob' | 'startJobContainer' | 'stopAsDaemon' | 'removeAsDaemon'
  >;
  ops: Pick<DockerOps, 'start' | 'exitInfo' | 'imageExists'>;
  queue: Pick<GpuQueue, 'enqueue' | 'list'> | null;
  leases: Pick<GpuLeases, 'releaseForContainer' | 'limitsOf'>;
  accounts: AccountLookup;
  clock: Clock;
  log: Logger;
  /** Write to the owner's open terminals (lifecycle/terminals.ts); absent in tests without ttys. */
  notifyTerminals?: (user: { uid: number; name: string }, text: string) => string[];
  /**
   * A Slurm job's placement: the slots Slurm assigned and its container's name (`slurm-<id>`, unique in
   * the cluster); null = a local job (the allocator chooses, the name is `job-<id>`).
   */
  slurmPlacement?: (jobId: number) => { slots: readonly string[]; name: string } | null;
}

/** The queue entry of a job carries only its id; the job row has the rest. */
export interface QueuedJobRef {
  job: number;
}

export function isQueuedJob(request: unknown): request is QueuedJobRef {
  return typeof request === 'object' && request !== null && typeof (request as QueuedJobRef).job === 'number';
}

const RUNNING: readonly JobState[] = ['starting', 'running'];
const ACTIVE: readonly JobState[] = ['pending', 'queued', 'starting', 'running'];

/** The container a job runs in: `job-<id>`, the job's command wrapped to write its log. */
export function containerRequestOf(
  job: Pick<JobRow, 'id' | 'request_json'>,
  name = `job-${job.id}`,
): ContainerCreateRequest {
  const r = JSON.parse(job.request_json) as JobSubmitRequest;
  return {
    name,
    ...(r.image ? { image: r.image } : {}),
    ...jobGpuFields(r),
    env: { ...(r.env ?? {}), DS01_JOB_ID: String(job.id) },
    command: jobCommand(job.id, jobWorkdir(r.workdir), r.command),
  };
}

/** A GPU refusal that a wait can cure: no free slot, or the owner's own quota in use by their other work. */
function worthWaiting(err: unknown): boolean {
  if (!(err instanceof Ds01Error)) return false;
  if (err.code === 'NO_CAPACITY') return true;
  if (err.code !== 'QUOTA_EXCEEDED') return false;
  const d = err.details as { limit?: string; requested?: number; max?: number } | undefined;
  return (
    (d?.limit === 'max_mig_instances' || d?.limit === 'max_gpu_equivalents') &&
    typeof d.requested === 'number' &&
    typeof d.max === 'number' &&
    d.requested <= d.max
  );
}

function isContainerQuota(err: unknown): boolean {
  return (
    err instanceof Ds01Error &&
    err.code === 'QUOTA_EXCEEDED' &&
    (err.details as { limit?: string } | undefined)?.limit === 'max_containers_per_user'
  );
}

const message = (err: unknown) =>
  err instanceof Ds01Error
    ? `${err.message}${err.hint ? ` (${err.hint})` : ''}`
    : String((err as Error)?.message ?? err);

export class JobRunner {
  /** Why ds01 is stopping a job's container, by container id (read when its exit arrives). */
  private readonly intents = new Map<string, StopIntent>();
  private readonly waiters = new Map<number, Set<() => void>>();

  private readonly audit: Audit;

  constructor(private readonly d: JobsDeps) {
    this.audit = auditLog(d.store.events, () => d.clock.now());
  }

  // ——— events and waiting ———

  private event(job: JobRow, actor: Actor, kind: EventKind, reason: string, data?: Record<string, unknown>) {
    this.audit.by(
      actor,
      kind,
      {
        subjectUid: job.owner_uid,
        containerId: job.container_id,
        containerName: `job ${job.id} (${job.name})`,
      },
      reason,
      { job: job.id, ...(data ?? {}) },
    );
  }

  /** Tell the owner: a notice (next ds01 command, login, `ds01 notices`) and their open terminals. */
  private tell(job: JobRow, message: string): void {
    try {
      this.d.store.tx(() =>
        this.d.store.notices.add({
          uid: job.owner_uid,
          container_id: job.container_id,
          container_name: `job ${job.id}`,
          kind: 'action',
          deadline_key: null,
          point_ms: null,
          deadline_at: null,
          message,
          created_at: this.d.clock.now(),
        }),
      );
      this.d.notifyTerminals?.({ uid: job.owner_uid, name: job.owner_name }, message);
    } catch (err) {
      this.d.log.warn('could not tell the owner about a job', { job: job.id, err: String(err) });
    }
  }

  private endedText(job: JobRow): string {
    const ran =
      job.started_at !== null && job.ended_at !== null
        ? `; ran ${formatDuration(job.ended_at - job.started_at)}`
        : '';
    return `ds01: job ${job.id} (${job.name}) ${job.state.replace('_', ' ')}: ${job.reason ?? ''}${ran}. Log: ${job.log_path}`;
  }

  /** Resolves when the job's state changes (or at once if it is not active). */
  changed(id: number, signal: AbortSignal, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, set);
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        set.delete(done);
        if (!set.size) this.waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done);
      set.add(done);
    });
  }

  private wake(id: number): void {
    for (const w of [...(this.waiters.get(id) ?? [])]) w();
  }

  noteStop(containerId: string, intent: StopIntent): void {
    this.intents.set(containerId, intent);
  }

  // ——— starting ———

  private async ownerOf(job: JobRow): Promise<Owner> {
    const acct = await this.d.accounts.byUid(job.owner_uid);
    if (!acct) throw new Ds01Error('NOT_FOUND', `uid ${job.owner_uid} has no account on this host any more`);
    return acct;
  }

  /**
   * Start the job's container now, or (mayQueue) put it in the GPU queue when no GPU is free for it.
   * From the queue (mayQueue false) a GPU refusal throws NO_CAPACITY so the entry keeps its place.
   * Any other failure ends the job `failed` and is thrown.
   */
  async launch(jobId: number, actor: Actor, mayQueue: boolean): Promise<void> {
    const job = this.d.store.jobs.get(jobId);
    if (!job) return;
    const from = job.state;
    if (from !== 'pending' && from !== 'queued') return;
    if (!this.d.store.jobs.transition(job.id, [from], 'starting', { reason: null })) return;
    let id: string;
    try {
      id = await this.createContainer(job, actor);
    } catch (err) {
      if (worthWaiting(err) && this.d.queue) {
        if (from === 'queued') {
          this.d.store.jobs.transition(job.id, ['starting'], 'queued', {
            reason: `waiting: ${message(err)}`,
          });
          throw new Ds01Error('NO_CAPACITY', (err as Error).message);
        }
        if (mayQueue) return this.enqueue(job, actor);
      }
      this.endWithout(job.id, 'failed', `could not start: ${message(err)}`, actor);
      throw err;
    }
    const slots = this.d.store.allocations.liveForContainer(id).map((a) => a.slot_uuid);
    const equivalents = slots.reduce((n, u) => n + (this.d.store.slots.get(u)?.gpu_equivalents ?? 0), 0);
    const kept = this.d.store.jobs.transition(job.id, ['starting'], 'starting', {
      container_id: id,
      gpu_slots: JSON.stringify(slots),
      gpu_equivalents: equivalents,
    });
    if (!kept) {
      // Cancelled while its container was being made: it never runs.
      await this.d.containers.removeAsDaemon(id, `job ${job.id} was cancelled before it started`);
      return;
    }
    try {
      await this.d.containers.startJobContainer(id, await this.ownerOf(job), job.project);
    } catch (err) {
      this.endWithout(job.id, 'failed', `could not start: ${message(err)}`, actor);
      await this.d.containers
        .removeAsDaemon(id, `job ${job.id} could not start`)
        .catch((e) => this.d.log.error('cleanup: cannot remove a job container', { id, err: String(e) }));
      throw err;
    }
    const info = await this.d.ops.exitInfo(id).catch(() => null);
    const started = this.d.store.tx(() => {
      const now = this.d.clock.now();
      if (
        !this.d.store.jobs.transition(job.id, ['starting'], 'running', { started_at: info?.startedAt ?? now })
      )
        return false;
      const cur = this.d.store.jobs.get(job.id) as JobRow;
      this.event(
        cur,
        actor,
        'job.started',
        `job ${job.id} started${slots.length ? ` on ${slots.length} GPU slot(s)` : ''}`,
        {
          slots,
        },
      );
      return true;
    });
    if (started) this.wake(job.id);
    // Started by ds01d (its turn in the queue, or its --after job completed): the owner is not watching.
    // Told even when a quick command's exit event already ended the job before `started` was recorded.
    if (actor.uid !== job.owner_uid)
      this.tell(
        job,
        `ds01: job ${job.id} (${job.name}) started after waiting ${formatDuration(this.d.clock.now() - job.submitted_at)}. Follow it: ds01 job logs ${job.id} --follow`,
      );
    // It may have ended before we looked (a quick command): the die event or this check records it.
    if (!info || !isRunningLike(info.status)) await this.finish(job.id);
  }

  private async createContainer(job: JobRow, actor: Actor): Promise<string> {
    const owner = await this.ownerOf(job);
    const slurm = this.d.slurmPlacement?.(job.id) ?? null;
    const req = containerRequestOf(job, slurm?.name);
    const create = () =>
      this.d.containers.createForJob(owner, req, actor, {
        id: job.id,
        project: job.project,
        ...(slurm ? { slots: slurm.slots } : {}),
      });
    try {
      return await create();
    } catch (err) {
      // Ended jobs' containers wait out container_hold_after_stop; they hold nothing the user needs (the
      // log is in the workspace), so they make way for a new job rather than fail it.
      if (!isContainerQuota(err) || !(await this.removeEndedContainers(job.owner_uid))) throw err;
      return create();
    }
  }

  private async removeEndedContainers(uid: number): Promise<number> {
    const ended = this.d.store.containers
      .live(uid)
      .filter((c) => !isRunningLike(c.state) && this.d.store.jobs.byContainer(c.id))
      .filter((c) => {
        const j = this.d.store.jobs.byContainer(c.id);
        return j !== undefined && !ACTIVE.includes(j.state);
      });
    for (const c of ended)
      await this.d.containers.removeAsDaemon(c.id, 'an ended job makes way for a new one');
    return ended.length;
  }

  private async enqueue(job: JobRow, actor: Actor): Promise<void> {
    const queue = this.d.queue as NonNullable<JobsDeps['queue']>;
    const owner = await this.ownerOf(job);
    const req = containerRequestOf(job);
    const gpu = gpuRequestOf(req);
    if (!gpu) throw new Ds01Error('INTERNAL', 'a CPU-only job cannot wait for a GPU');
    const limits = await this.d.leases.limitsOf(owner);
    // No limits passed: a job may wait for its owner's own quota to free, not only for a free slot.
    const entry = queue.enqueue({ uid: owner.uid, name: owner.name }, { job: job.id }, gpu, limits.priority);
    this.d.store.tx(() => {
      this.d.store.jobs.transition(job.id, ['starting'], 'queued', {
        queue_id: entry.id,
        reason: `waiting for ${gpu.count} GPU slot(s) in the queue`,
      });
      this.event(job, actor, 'job.queued', `job ${job.id} is waiting for a GPU (queue entry ${entry.id})`, {
        queueId: entry.id,
      });
    });
    this.wake(job.id);
  }

  /** The GPU queue's turn for a queued job (main.ts routes job entries here). */
  async serveQueued(ref: QueuedJobRef): Promise<{ containerId: string | null }> {
    const job = this.d.store.jobs.get(ref.job);
    if (job?.state !== 'queued') return { containerId: null };
    await this.launch(job.id, DAEMON, false);
    return { containerId: this.d.store.jobs.get(job.id)?.container_id ?? null };
  }

  // ——— ending ———

  /** A job that ends without its container exiting (cancelled while waiting, dependency failed, …). */
  endWithout(id: number, state: JobState, reason: string, actor: Actor): boolean {
    const ok = this.d.store.tx(() => {
      const job = this.d.store.jobs.get(id);
      if (!job) return false;
      if (!this.d.store.jobs.transition(id, ACTIVE, state, { reason, ended_at: this.d.clock.now() }))
        return false;
      this.event(job, actor, `job.${state}`, `job ${id} ${state.replace('_', ' ')}: ${reason}`);
      return true;
    });
    if (ok) {
      this.wake(id);
      const ended = this.d.store.jobs.get(id) as JobRow;
      if (actor.uid !== ended.owner_uid) this.tell(ended, this.endedText(ended));
      void this.afterEnd(id);
    }
    return ok;
  }

  /** Docker says the container died (or is gone): record how the job ended, once. */
  async finish(jobId: number): Promise<void> {
    const job = this.d.store.jobs.get(jobId);
    if (!job || !RUNNING.includes(job.state) || !job.container_id) return;
    const cid = job.container_id;
    const info = await this.d.ops.exitInfo(cid);
    // Still running (launch records a start), or created and not started yet: not ended.
    if (info && (isRunningLike(info.status) || info.status === 'created')) return;
    const now = this.d.clock.now();
    const intent = this.intents.get(cid) ?? null;
    const out = info
      ? outcomeOf({ exitCode: info.exitCode, oomKilled: info.oomKilled }, intent)
      : {
          state: 'lost' as const,
          reason: `its container ${cid.slice(0, 12)} was gone when ds01d checked at ${localWhen(now, { seconds: true })} (it ended while ds01d was not watching); exit code unknown`,
        };
    const endedAt = info?.finishedAt ?? now;
    const ok = this.d.store.tx(() => {
      if (
        !this.d.store.jobs.transition(job.id, RUNNING, out.state, {
          reason: out.reason,
          ended_at: endedAt,
          exit_code: info?.exitCode ?? null,
          started_at: job.started_at ?? info?.startedAt ?? endedAt,
        })
      )
        return false;
      const cur = this.d.store.jobs.get(job.id) as JobRow;
      this.event(
        cur,
        DAEMON,
        `job.${out.state}`,
        `job ${job.id} ${out.state.replace('_', ' ')}: ${out.reason}`,
        {
          exitCode: info?.exitCode ?? null,
          runtimeMs: endedAt - (cur.started_at ?? endedAt),
        },
      );
      return true;
    });
    this.intents.delete(cid);
    // No hold for jobs: the GPU goes back (and to the queue) the moment the job ends.
    this.d.leases.releaseForContainer(cid, `job ${job.id} ended (${out.state})`, 'ds01d');
    if (ok) {
      this.wake(job.id);
      const cur = this.d.store.jobs.get(job.id) as JobRow;
      if (!intent?.byOwner) this.tell(cur, this.endedText(cur));
      await this.afterEnd(job.id);
    }
  }

  /** The jobs waiting on this one (`--after`) start, or fail with the reason. */
  private async afterEnd(id: number): Promise<void> {
    const dep = this.d.store.jobs.get(id);
    if (!dep) return;
    for (const next of this.d.store.jobs.dependants(id)) {
      const v = dependencyVerdict(dep);
      if (v.kind === 'fail') this.endWithout(next.id, 'failed', v.reason, DAEMON);
      else if (v.kind === 'go')
        await this.launch(next.id, DAEMON, true).catch((err) =>
          this.d.log.warn('a dependant job could not start', { job: next.id, err: String(err) }),
        );
    }
  }

  /** After a reconcile (start-up, Docker reconnect): every active job checked. Never throws. */
  recover(): Promise<void> {
    return recoverJobs(this.d, this);
  }

  /** Docker event hook: a job's container died or was destroyed. */
  onContainerEvent(containerId: string, action: string): void {
    if (!/^(die|destroy|oom)/.test(action)) return;
    const job = this.d.store.jobs.byContainer(containerId);
    if (!job || !RUNNING.includes(job.state)) return;
    void this.finish(job.id).catch((err) =>
      this.d.log.error('recording a job end failed', { job: job.id, err: String(err) }),
    );
  }
}

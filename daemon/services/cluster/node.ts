// A Slurm node's ds01d (docs/cluster.md): Slurm's prolog asks it to start a job's container, its epilog
// to stop it, and the job's batch step (as the user) waits on it. ds01d believes nothing the caller says
// about the job: the uid, node and GPU indices come from Slurm (squeue / scontrol, as root), the slots
// from this node's own inventory in gres.ts order, and the request from the job's batch script (the
// user's own words, validated like any submit). A user's mistake fails the job, not the node; a node
// that cannot honour Slurm's placement (MIG layout changed, user unknown here) fails the prolog, and
// Slurm drains the node with that reason.
import type { JobSubmitRequest, JobView, JobWaitResult } from '../../api/types/jobs.js';
import { jobSubmitRequest } from '../../api/types/jobs.js';
import type { Clock } from '../../clock.js';
import { gresDevices, slotsForIndices } from '../../cluster/gres.js';
import {
  type AssignedGpu,
  extractRequest,
  parseAssignedGpus,
  parseSqueueJob,
  SQUEUE_FORMAT,
} from '../../cluster/slurm-text.js';
import { Ds01Error, notFound } from '../../errors.js';
import type { Caller } from '../../identity/caller.js';
import type { AccountLookup } from '../../identity/nss.js';
import { JOBS_DIR } from '../../jobs/command.js';
import { isFinal } from '../../jobs/states.js';
import type { Logger } from '../../log.js';
import type { SlurmPrograms } from '../../slurm/programs.js';
import { type Actor, type Audit, auditLog } from '../../store/audit.js';
import type { Store } from '../../store/index.js';
import type { JobRow } from '../../store/jobs.js';
import type { ContainerService } from '../containers/index.js';
import type { JobRunner, JobService } from '../jobs/index.js';
import { workspacePath } from '../workspace.js';

export interface SlurmNodeDeps {
  store: Store;
  slurm: SlurmPrograms;
  accounts: AccountLookup;
  runner: Pick<JobRunner, 'launch' | 'endWithout' | 'noteStop' | 'finish'>;
  jobs: Pick<JobService, 'view' | 'wait'>;
  containers: Pick<ContainerService, 'stopAsDaemon'>;
  clock: Clock;
  log: Logger;
  nodeName: string;
}

export interface PrologResult {
  /** The ds01 job running the Slurm job here; null when the Slurm job is not a ds01 job. */
  job: JobView | null;
  note: string | null;
}

const SLURM: Actor = { uid: null, name: 'slurm' };
const STOP_GRACE_SEC = 10;

/** The GPU part of the request, said as Slurm placed it (the pinned slots decide; this keeps views true). */
function gpuFieldsFor(assigned: AssignedGpu[], types: string[]): Partial<JobSubmitRequest> {
  if (!assigned.length) return { cpuOnly: true };
  const only = types.length === 1 ? types[0] : undefined;
  if (assigned.length === 1 && only && only !== 'full') return { mig: only };
  return { gpus: assigned.length };
}

export class SlurmNode {
  private readonly audit: Audit;
  /** Why a Slurm job got no container here (its owner's batch step says it); the last 200. */
  private readonly refused = new Map<number, { uid: number; note: string }>();

  constructor(private readonly d: SlurmNodeDeps) {
    this.audit = auditLog(d.store.events, () => d.clock.now());
  }

  private async squeue(sid: number) {
    const r = await this.d.slurm.run('squeue', ['-h', '-j', String(sid), '-o', SQUEUE_FORMAT]);
    const job = r.code === 0 ? parseSqueueJob(r.stdout.split('\n')[0] ?? '') : null;
    if (!job || job.id !== sid)
      throw notFound(`Slurm job ${sid}`, `squeue does not know it${r.stderr ? `: ${r.stderr.trim()}` : ''}`);
    return job;
  }

  /** The prolog: start Slurm job `sid`'s container here, on the slots Slurm assigned. Idempotent. */
  async prolog(sid: number): Promise<PrologResult> {
    const known = this.d.store.slurmJobs.bySlurmId(sid);
    if (known) return { job: this.view(known.job_id), note: 'already started' };
    const sq = await this.squeue(sid);
    if (!sq.nodes.includes(this.d.nodeName))
      throw new Ds01Error(
        'CONFLICT',
        `Slurm job ${sid} runs on ${sq.nodes.join(',') || 'no node yet'}, not on ${this.d.nodeName}`,
        "check slurm_node_name in this node's ds01d.yaml",
      );
    if (!['RUNNING', 'CONFIGURING'].includes(sq.state))
      throw new Ds01Error('CONFLICT', `Slurm job ${sid} is ${sq.state}, not starting`);
    const script = await this.d.slurm.run('scontrol', ['write', 'batch_script', String(sid), '-']);
    const found = script.code === 0 ? extractRequest(script.stdout) : null;
    if (found === null) return { job: null, note: `Slurm job ${sid} is not a ds01 job; nothing to start` };
    const acct = await this.d.accounts.byUid(sq.uid);
    if (!acct)
      throw new Ds01Error(
        'CONFLICT',
        `uid ${sq.uid} (owner of Slurm job ${sid}) has no account on ${this.d.nodeName}`,
        'every node must see the same users (LDAP/SSSD)',
      );
    // The user's own faults end here: the job fails, the node stays in service.
    const userFault = (note: string): PrologResult => {
      this.audit.by(SLURM, 'job.failed', { subjectUid: acct.uid, containerName: `slurm job ${sid}` }, note, {
        slurmJobId: sid,
      });
      this.refused.set(sid, { uid: acct.uid, note });
      if (this.refused.size > 200) this.refused.delete(this.refused.keys().next().value as number);
      return { job: null, note };
    };
    if (!found.ok) return userFault(`Slurm job ${sid}: ${found.problem}`);
    const parsed = jobSubmitRequest.safeParse(found.request);
    if (!parsed.success)
      return userFault(`Slurm job ${sid}: its ds01 request is not valid: ${parsed.error.issues[0]?.message}`);
    const detail = await this.d.slurm.run('scontrol', ['show', 'job', '-d', String(sid)]);
    const assigned = parseAssignedGpus(detail.stdout, this.d.nodeName, sq.gpusPerNode);
    if (!assigned.ok) return userFault(`Slurm job ${sid}: ${assigned.problem}`);
    const devices = gresDevices(
      this.d.store.slots
        .all()
        .filter((s) => s.state !== 'missing')
        .map((s) => ({
          uuid: s.uuid,
          gpuIndex: s.gpu_index,
          kind: s.kind,
          profile: s.profile,
          migDeviceIndex: s.mig_device_index,
        })),
    );
    const slots = slotsForIndices(devices, assigned.gpus);
    if (!slots.ok) throw new Ds01Error('CONFLICT', `Slurm job ${sid}: ${slots.problem}`);
    const types = [...new Set(slots.uuids.map((u) => devices.find((d) => d.uuid === u)?.type ?? 'full'))];
    const { gpus: _g, mig: _m, cpuOnly: _c, after: _a, ...rest } = parsed.data;
    const req: JobSubmitRequest = { ...rest, ...gpuFieldsFor(assigned.gpus, types) };
    const project = req.project ?? 'jobs';
    const now = this.d.clock.now();
    const id = this.d.store.tx(() => {
      const id = this.d.store.jobs.insert({
        owner_uid: acct.uid,
        owner_name: acct.name,
        name: req.name ?? (req.command[0] ?? 'job').split('/').pop()?.slice(0, 63) ?? 'job',
        project,
        request_json: JSON.stringify(req),
        state: 'pending',
        after_id: null,
        // Slurm enforces the wall time (its epilog stops the container).
        time_limit_ms: null,
        log_path: '',
        submitted_at: now,
      });
      this.d.store.jobs.setLogPath(id, `${workspacePath(acct.home, project)}/${JOBS_DIR}/${id}.log`);
      this.d.store.slurmJobs.insert({
        slurm_job_id: sid,
        job_id: id,
        node: this.d.nodeName,
        slots: JSON.stringify(slots.uuids),
        created_at: now,
      });
      this.audit.by(
        SLURM,
        'job.submitted',
        { subjectUid: acct.uid, containerName: `job ${id}` },
        `Slurm job ${sid} placed on ${this.d.nodeName}: ${req.command.join(' ').slice(0, 200)}`,
        { job: id, slurmJobId: sid, slots: slots.uuids },
        now,
      );
      return id;
    });
    try {
      await this.d.runner.launch(id, SLURM, false);
    } catch (err) {
      // The runner ended the job `failed` with the reason; the batch step reports it to Slurm.
      this.d.log.warn('a Slurm job could not start', { slurmJobId: sid, job: id, err: String(err) });
    }
    return { job: this.view(id), note: null };
  }

  /** The epilog: Slurm's job has ended (or was cancelled, or ran out of time); stop its container. */
  async epilog(sid: number): Promise<{ job: JobView | null }> {
    const known = this.d.store.slurmJobs.bySlurmId(sid);
    if (!known) return { job: null };
    const job = this.d.store.jobs.get(known.job_id) as JobRow;
    if (!isFinal(job.state)) {
      const state = await this.d.slurm
        .run('squeue', ['-h', '-j', String(sid), '-o', '%T'])
        .then((r) => r.stdout.trim().split('\n')[0] || 'ENDED')
        .catch(() => 'ENDED');
      const reason = `Slurm ended job ${sid} (${state}) before its container exited`;
      const kind = state === 'TIMEOUT' ? 'timeout' : 'cancel';
      if (!job.container_id) this.d.runner.endWithout(job.id, 'cancelled', reason, SLURM);
      else {
        this.d.runner.noteStop(job.container_id, { kind, reason });
        await this.d.containers.stopAsDaemon(job.container_id, reason, STOP_GRACE_SEC);
        await this.d.runner.finish(job.id);
      }
    }
    return { job: this.view(known.job_id) };
  }

  /**
   * Containers of Slurm jobs that Slurm no longer runs (its epilog could not reach ds01d: ds01d was down)
   * are stopped with the reason. While Slurm cannot be asked (controller down), running jobs are left be.
   */
  async sweep(): Promise<void> {
    for (const job of this.d.store.jobs.active()) {
      const row = this.d.store.slurmJobs.byJob(job.id);
      if (!row) continue;
      const r = await this.d.slurm.run('squeue', ['-h', '-j', String(row.slurm_job_id), '-o', '%T']);
      const gone = r.code !== 0 && /invalid job id/i.test(r.stderr);
      if (r.code !== 0 && !gone) continue;
      const state = r.stdout.trim().split('\n')[0] ?? '';
      if (!gone && ['RUNNING', 'CONFIGURING', 'SUSPENDED'].includes(state)) continue;
      await this.epilog(row.slurm_job_id);
    }
  }

  /** The batch step's wait, as the job's owner (anyone else: FORBIDDEN, audited by the server). */
  async wait(caller: Caller, sid: number, timeoutMs: number, signal: AbortSignal): Promise<JobWaitResult> {
    const known = this.d.store.slurmJobs.bySlurmId(sid);
    if (!known) {
      const why = this.refused.get(sid);
      if (why && (why.uid === caller.uid || caller.admin))
        throw new Ds01Error('CONFLICT', why.note, 'fix the request and submit it again');
      throw notFound(
        `a ds01 job for Slurm job ${sid} on ${this.d.nodeName}`,
        "the prolog did not start one: see `ds01 events` and slurmd's log on this node",
      );
    }
    return this.d.jobs.wait(caller, known.job_id, timeoutMs, signal);
  }

  private view(jobId: number): JobView {
    return this.d.jobs.view(this.d.store.jobs.get(jobId) as JobRow);
  }
}

// `ds01 job submit|list|show|cancel|wait` with `backend: slurm` (docs/cluster.md): the same request as a
// local job, validated the same way, handed to Slurm with sbatch run AS THE USER (setpriv), so Slurm's
// associations, QOS limits, fair-share and accounting see the user themself. Lists and waits read
// Slurm's accounting (sacct); a cancel is the user's own scancel. Another user's job is FORBIDDEN.
import type { JobSubmitResult, JobView, JobWaitResult } from '../../api/types/jobs.js';
import { type JobSubmitRequest, jobSubmitRequest } from '../../api/types/jobs.js';
import type { Clock } from '../../clock.js';
import { type BatchOptions, batchScript, sbatchArgs } from '../../cluster/batch.js';
import { slurmJobView } from '../../cluster/job-view.js';
import { parseSlurmDuration } from '../../cluster/render.js';
import {
  parseSacct,
  parseSqueueList,
  SACCT_FORMAT,
  type SacctJob,
  SQUEUE_LIST_FORMAT,
} from '../../cluster/slurm-text.js';
import { Ds01Error, notFound } from '../../errors.js';
import type { Caller } from '../../identity/caller.js';
import type { Account, AccountLookup } from '../../identity/nss.js';
import { JOBS_DIR } from '../../jobs/command.js';
import { isFinal, waitExitCode } from '../../jobs/states.js';
import { requestedTimeLimit } from '../../jobs/time.js';
import type { Limits } from '../../policy/types.js';
import type { SlurmPrograms } from '../../slurm/programs.js';
import { type Audit, auditLog } from '../../store/audit.js';
import type { Store } from '../../store/index.js';
import { workspacePath } from '../workspace.js';

export interface SlurmJobsDeps {
  store: Pick<Store, 'events'>;
  slurm: SlurmPrograms;
  accounts: AccountLookup;
  limitsOf: (owner: { uid: number; name: string }) => Promise<Limits>;
  clock: Clock;
  batch: BatchOptions;
}

const POLL_MS = 2000;
/** squeue's states of a job not yet ended: its answer wins; for ended ones sacct has the exit code. */
const ACTIVE = new Set(['PENDING', 'REQUEUED', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED']);
const SHOW_ENDED = 'now-1days';

/** Slurm's refusal in a user's terms: its own message, and the code that fits it. */
function sbatchError(stderr: string): Ds01Error {
  const msg = stderr.replace(/^sbatch: error: /gm, '').trim() || 'sbatch failed';
  if (/QOS|policy|limit|association|account/i.test(msg))
    return new Ds01Error(
      'QUOTA_EXCEEDED',
      `Slurm refused the job: ${msg}`,
      'see your limits with `check-limits`',
    );
  if (/contact|connect|timed out|Zero Bytes/i.test(msg))
    return new Ds01Error(
      'UNAVAILABLE',
      `Slurm could not be reached: ${msg}`,
      'try again; if it lasts, tell an admin',
    );
  return new Ds01Error('BAD_REQUEST', `Slurm refused the job: ${msg}`);
}

export class SlurmJobs {
  private readonly audit: Audit;

  constructor(private readonly d: SlurmJobsDeps) {
    this.audit = auditLog(d.store.events, () => d.clock.now());
  }

  private async account(caller: Caller): Promise<Account> {
    const acct = await this.d.accounts.byUid(caller.uid);
    if (!acct) throw new Ds01Error('UNAUTHENTICATED', `uid ${caller.uid} has no account on this host`);
    return acct;
  }

  async submit(caller: Caller, body: unknown): Promise<JobSubmitResult> {
    const req: JobSubmitRequest = jobSubmitRequest.parse(body);
    const acct = await this.account(caller);
    const limits = await this.d.limitsOf(acct);
    const limit = requestedTimeLimit(req.time, limits.maxRuntimeMs);
    const notes = [...limit.notes];
    const project = req.project ?? 'jobs';
    const name =
      req.name ??
      (req.command[0] ?? 'job')
        .split('/')
        .pop()
        ?.replace(/[^A-Za-z0-9_.-]/g, '_')
        .slice(0, 63) ??
      'job';
    const dir = `${workspacePath(acct.home, project)}/${JOBS_DIR}`;
    const made = await this.d.slurm.mkdirAs(acct, dir);
    if (made.code !== 0)
      throw new Ds01Error('BAD_REQUEST', `cannot make ${dir} as ${acct.name}: ${made.stderr.trim()}`);
    const args = [
      ...sbatchArgs({ req, name, timeLimitMs: limit.ms, home: acct.home, outputPath: `${dir}/slurm-%j.out` }),
      `--comment=ds01:${project}`,
      ...(req.after !== undefined ? [`--dependency=afterok:${req.after}`, '--kill-on-invalid-dep=yes'] : []),
    ];
    const r = await this.d.slurm.run('sbatch', args, { asUser: acct, stdin: batchScript(req, this.d.batch) });
    if (r.code !== 0) throw sbatchError(r.stderr);
    const sid = Number(r.stdout.trim().split(';')[0]);
    if (!Number.isSafeInteger(sid))
      throw new Ds01Error('INTERNAL', `sbatch printed no job id: ${r.stdout.trim()}`);
    this.audit.byUser(
      caller,
      'job.submitted',
      { subjectUid: acct.uid, containerName: `slurm job ${sid}` },
      `submitted to Slurm as job ${sid}: ${req.command.join(' ').slice(0, 200)}`,
      { slurmJobId: sid, timeLimitMs: limit.ms },
    );
    const job = (await this.find(sid)) ?? this.justSubmitted(sid, acct, name, project, req, limit.ms);
    return { job, notes };
  }

  /** sacct may not know a job for a moment after sbatch: what ds01 knows of it meanwhile. */
  private justSubmitted(
    sid: number,
    acct: Account,
    name: string,
    project: string,
    req: JobSubmitRequest,
    timeLimitMs: number | null,
  ): JobView {
    return {
      ...slurmJobView(
        {
          id: sid,
          uid: acct.uid,
          user: acct.name,
          state: 'PENDING',
          exitCode: null,
          node: null,
          submit: null,
          start: null,
          end: null,
          elapsedSec: 0,
          timeLimitMin: timeLimitMs === null ? null : Math.ceil(timeLimitMs / 60_000),
          gpus: req.mig ? { [req.mig]: 1 } : req.cpuOnly || req.gpus === 0 ? {} : { '': req.gpus ?? 1 },
          reason: null,
          name,
          comment: `ds01:${project}`,
        },
        { now: this.d.clock.now(), logDir: (p) => `${workspacePath(acct.home, p)}/${JOBS_DIR}` },
      ),
      command: req.command,
    };
  }

  /**
   * Jobs as Slurm tells them: squeue for active ones (a pending job's reason; sacct may not have it yet),
   * sacct for the rest. `squeueArgs`/`sacctArgs` select the same jobs in each program's words.
   */
  private async jobs(squeueArgs: string[], sacctArgs: string[]): Promise<JobView[]> {
    const [q, r] = await Promise.all([
      this.d.slurm.run('squeue', ['-h', '-o', SQUEUE_LIST_FORMAT, ...squeueArgs]),
      this.d.slurm.run('sacct', ['-n', '-P', '-X', `--format=${SACCT_FORMAT}`, ...sacctArgs]),
    ]);
    if (r.code !== 0 && q.code !== 0)
      throw new Ds01Error(
        'UNAVAILABLE',
        `Slurm could not be asked: ${r.stderr.trim() || q.stderr.trim() || `sacct exit ${r.code}`}`,
        'try again; if it lasts, tell an admin (slurmctld, slurmdbd)',
      );
    const byId = new Map<number, SacctJob>();
    for (const s of r.code === 0 ? parseSacct(r.stdout) : []) byId.set(s.id, s);
    for (const s of q.code === 0 ? parseSqueueList(q.stdout, parseSlurmDuration) : [])
      if (ACTIVE.has(s.state) || !byId.has(s.id)) byId.set(s.id, s);
    const homes = new Map<number, string>();
    const views: JobView[] = [];
    for (const s of [...byId.values()].sort((a, b) => a.id - b.id)) {
      if (!homes.has(s.uid))
        homes.set(s.uid, (await this.d.accounts.byUid(s.uid))?.home ?? `/home/${s.user}`);
      const home = homes.get(s.uid) as string;
      views.push(
        slurmJobView(s, { now: this.d.clock.now(), logDir: (p) => `${workspacePath(home, p)}/${JOBS_DIR}` }),
      );
    }
    return views;
  }

  private async find(sid: number): Promise<JobView | null> {
    const id = String(sid);
    return (await this.jobs(['-j', id], ['-j', id])).find((j) => j.id === sid) ?? null;
  }

  async list(caller: Caller, opts: { all?: boolean }): Promise<JobView[]> {
    const acct = await this.account(caller);
    const who = caller.admin ? [] : ['--user', acct.name];
    const views = await this.jobs(who, [
      ...(caller.admin ? ['--allusers'] : who),
      '--starttime',
      opts.all ? '1970-01-01' : SHOW_ENDED,
    ]);
    // sacct's window is by start; a job that ended long ago but started in it stays: ds01's rule is 24 h.
    return views.filter((v) => caller.admin || v.ownerUid === caller.uid);
  }

  private async visible(caller: Caller, sid: number): Promise<JobView> {
    const job = await this.find(sid);
    if (!job) throw notFound(`Slurm job ${sid}`, 'see your jobs with `ds01 job list`');
    if (!caller.admin && job.ownerUid !== caller.uid)
      throw new Ds01Error('FORBIDDEN', `job ${sid} is not yours`, 'see your jobs with `ds01 job list`');
    return job;
  }

  show(caller: Caller, sid: number): Promise<JobView> {
    return this.visible(caller, sid);
  }

  async cancel(caller: Caller, sid: number, adminReason?: string): Promise<JobView> {
    const job = await this.visible(caller, sid);
    if (adminReason !== undefined && !caller.admin)
      throw new Ds01Error('FORBIDDEN', 'only an admin cancels a job with a reason');
    if (isFinal(job.state))
      throw new Ds01Error('CONFLICT', `job ${sid} has already ended (${job.slurm?.state ?? job.state})`);
    // The owner's own scancel (Slurm checks it too); an admin's as root.
    const owner = job.ownerUid === caller.uid ? await this.account(caller) : undefined;
    const r = await this.d.slurm.run('scancel', [String(sid)], owner ? { asUser: owner } : {});
    if (r.code !== 0) throw new Ds01Error('CONFLICT', `scancel ${sid} failed: ${r.stderr.trim()}`);
    this.audit.byUser(
      caller,
      'job.cancelled',
      { subjectUid: job.ownerUid, containerName: `slurm job ${sid}` },
      `cancelled by ${owner ? caller.name : `admin ${caller.name}`}${adminReason ? `: ${adminReason}` : ''}`,
      { slurmJobId: sid },
    );
    return (await this.find(sid)) ?? job;
  }

  async wait(caller: Caller, sid: number, timeoutMs: number, signal: AbortSignal): Promise<JobWaitResult> {
    let job = await this.visible(caller, sid);
    const until = this.d.clock.now() + timeoutMs;
    while (!isFinal(job.state) && !signal.aborted && this.d.clock.now() < until) {
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(1, until - this.d.clock.now()))));
      job = await this.visible(caller, sid);
    }
    const ended = isFinal(job.state);
    return {
      job,
      ended,
      exitStatus: ended ? waitExitCode({ state: job.state, exit_code: job.exitCode }) : 1,
    };
  }
}

// `ds01 job logs ID --admin` for a job that ran on this server: an admin reads another user's job log through
// ds01d, which reads it AS THE OWNER (setpriv dd: the kernel decides; ds01d opens nothing in a user's
// workspace itself) and audits it as job.log_read. Users read their own logs directly (the CLI, as them);
// through here they get only their own too. The Slurm counterpart is services/cluster/logs.ts.
import type { JobLogChunk } from '../../api/types/cluster.js';
import type { Clock } from '../../clock.js';
import { Ds01Error, forbidden, notFound } from '../../errors.js';
import type { Caller } from '../../identity/caller.js';
import type { AccountLookup } from '../../identity/nss.js';
import type { SlurmPrograms } from '../../slurm/programs.js';
import { type Audit, auditLog } from '../../store/audit.js';
import type { Store } from '../../store/index.js';
import { readLogChunk } from './log-chunk.js';

/** One audit event per admin and job in this long (a --follow polls every second). */
const AUDIT_EVERY_MS = 10 * 60_000;

export interface LocalJobLogsDeps {
  store: Pick<Store, 'jobs' | 'events'>;
  /** `readAs` runs `dd` as the user (it lives beside Slurm's programs: the one place ds01d runs setpriv). */
  programs: Pick<SlurmPrograms, 'readAs'>;
  accounts: Pick<AccountLookup, 'byUid'>;
  clock: Clock;
  nodeName: string;
}

export class LocalJobLogs {
  private readonly audit: Audit;

  /** When each (admin, job) read was last audited. */
  private readonly audited = new Map<string, number>();

  constructor(private readonly d: LocalJobLogsDeps) {
    this.audit = auditLog(d.store.events, () => d.clock.now());
  }

  private dueForAudit(uid: number, id: number): boolean {
    const key = `${uid}:${id}`;
    const now = this.d.clock.now();
    const last = this.audited.get(key);
    if (last !== undefined && now - last < AUDIT_EVERY_MS) return false;
    this.audited.set(key, now);
    if (this.audited.size > 1000) this.audited.delete(this.audited.keys().next().value as string);
    return true;
  }

  async read(caller: Caller, id: number, offset: number, admin: boolean): Promise<JobLogChunk> {
    const job = this.d.store.jobs.get(id);
    if (!job) throw notFound(`job ${id}`, 'see your jobs with `ds01 job list`');
    if (job.owner_uid !== caller.uid) {
      if (!caller.admin) throw forbidden(`job ${id} is not yours`, 'see your jobs with `ds01 job list`');
      if (!admin)
        throw forbidden(
          `job ${id} is ${job.owner_name}'s`,
          `as an admin, read it with \`ds01 job logs ${id} --admin\` (audited)`,
        );
      // Audited before the read (recorded even if it then fails), whatever the offset; a --follow's
      // polls within AUDIT_EVERY_MS of the last event add none.
      if (this.dueForAudit(caller.uid, id))
        this.audit.byUser(
          caller,
          'job.log_read',
          { subjectUid: job.owner_uid, containerName: `job ${id}` },
          `admin ${caller.name} read the log of ${job.owner_name}'s job ${id}`,
          { jobId: id, path: job.log_path },
        );
    }
    const owner = await this.d.accounts.byUid(job.owner_uid);
    if (!owner)
      throw new Ds01Error('CONFLICT', `uid ${job.owner_uid} (job ${id}'s owner) has no account any more`);
    return readLogChunk(this.d.programs, owner, {
      job: id,
      node: this.d.nodeName,
      path: job.log_path,
      offset,
    });
  }
}

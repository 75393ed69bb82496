// `ds01 job logs` for a Slurm job (docs/cluster.md): its log lies in the owner's workspace on the node
// that ran it. The node's ds01d reads it AS THE OWNER (setpriv dd: the kernel decides, ds01d opens
// nothing in a user's workspace itself). Asked on another node (the login node), ds01d finds the job's
// node in Slurm and asks that node's ds01d with a munge credential made as the caller, so the node
// checks the caller itself. Another user's log: FORBIDDEN, unless an admin asks explicitly (`--admin`),
// which both nodes audit.
import type { JobLogChunk } from '../../api/types/cluster.js';
import type { Clock } from '../../clock.js';
import { Ds01Error, forbidden, notFound } from '../../errors.js';
import type { Caller } from '../../identity/caller.js';
import type { AccountLookup } from '../../identity/nss.js';
import type { SlurmPrograms } from '../../slurm/programs.js';
import { type Audit, auditLog } from '../../store/audit.js';
import type { Store } from '../../store/index.js';
import { readLogChunk } from '../jobs/log-chunk.js';
import type { ClusterPeers } from './peers.js';
import type { SlurmJobs } from './submit.js';

export interface JobLogsDeps {
  store: Pick<Store, 'slurmJobs' | 'jobs' | 'events'>;
  slurm: Pick<SlurmPrograms, 'readAs'>;
  accounts: Pick<AccountLookup, 'byUid'>;
  clock: Clock;
  nodeName: string;
  /** With `backend: slurm`: where a job this node does not know ran, and the way there. */
  cluster: { jobs: Pick<SlurmJobs, 'show'>; peers: Pick<ClusterPeers, 'get'> } | null;
}

export class SlurmJobLogs {
  private readonly audit: Audit;

  constructor(private readonly d: JobLogsDeps) {
    this.audit = auditLog(d.store.events, () => d.clock.now());
  }

  /** The owner may read; anyone else only as an admin who said so (audited). */
  private authorize(caller: Caller, ownerUid: number, owner: string, sid: number, admin: boolean): void {
    if (ownerUid === caller.uid) return;
    if (!caller.admin) throw forbidden(`job ${sid} is not yours`, 'see your jobs with `ds01 job list`');
    if (!admin)
      throw forbidden(
        `job ${sid} is ${owner}'s`,
        `as an admin, read it with \`ds01 job logs ${sid} --admin\` (audited)`,
      );
    this.audit.byUser(
      caller,
      'job.log_read',
      { subjectUid: ownerUid, containerName: `slurm job ${sid}` },
      `admin ${caller.name} read the log of ${owner}'s Slurm job ${sid} on ${this.d.nodeName}`,
      { slurmJobId: sid },
    );
  }

  /** This node's part: the job ran here. */
  async readHere(caller: Caller, sid: number, offset: number, admin: boolean): Promise<JobLogChunk> {
    const row = this.d.store.slurmJobs.bySlurmId(sid);
    const job = row ? this.d.store.jobs.get(row.job_id) : undefined;
    if (!row || !job)
      throw notFound(`Slurm job ${sid} on ${this.d.nodeName}`, 'see your jobs with `ds01 job list`');
    this.authorize(caller, job.owner_uid, job.owner_name, sid, admin);
    const owner = await this.d.accounts.byUid(job.owner_uid);
    if (!owner) throw new Ds01Error('CONFLICT', `uid ${job.owner_uid} has no account on ${this.d.nodeName}`);
    return readLogChunk(this.d.slurm, owner, { job: sid, node: this.d.nodeName, path: job.log_path, offset });
  }

  /** From any node: here if it ran here, else through the node Slurm says ran it, as the caller. */
  async read(caller: Caller, sid: number, offset: number, admin: boolean): Promise<JobLogChunk> {
    if (this.d.store.slurmJobs.bySlurmId(sid) || !this.d.cluster)
      return this.readHere(caller, sid, offset, admin);
    const job = await this.d.cluster.jobs.show(caller, sid);
    const node = job.slurm?.node ?? null;
    if (!node)
      throw new Ds01Error(
        'CONFLICT',
        `job ${sid} has not run on a node (${job.slurm?.state ?? job.state})`,
        'it has no log yet',
      );
    if (node === this.d.nodeName) return this.readHere(caller, sid, offset, admin);
    // Checked here too, so a refusal needs no trip; the node checks again with its own books.
    if (job.ownerUid !== caller.uid) {
      if (!caller.admin || !admin) this.authorize(caller, job.ownerUid, job.owner, sid, admin);
      else
        this.audit.byUser(
          caller,
          'job.log_read',
          { subjectUid: job.ownerUid, containerName: `slurm job ${sid}` },
          `admin ${caller.name} asked ${node} for the log of ${job.owner}'s Slurm job ${sid}`,
          { slurmJobId: sid, node },
        );
    }
    const path = `/v1/slurm/jobs/${sid}/log?offset=${offset}${admin ? '&admin=1' : ''}`;
    return this.d.cluster.peers.get<JobLogChunk>(node, caller, path);
  }
}

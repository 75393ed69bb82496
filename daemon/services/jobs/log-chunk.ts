// One piece of a job's log, read as its owner (setpriv dd), as the API answers it. Both ways an admin or a
// user reads a log through ds01d end here: the local admin path (log-read.ts) and a Slurm node's
// (cluster/logs.ts).
import type { JobLogChunk } from '../../api/types/cluster.js';
import { Ds01Error } from '../../errors.js';
import type { RunAs, SlurmPrograms } from '../../slurm/programs.js';

/** One read: a screenful of history at once, small enough for a JSON reply. */
export const JOB_LOG_CHUNK_BYTES = 256 * 1024;

export async function readLogChunk(
  programs: Pick<SlurmPrograms, 'readAs'>,
  owner: RunAs,
  at: { job: number; node: string; path: string; offset: number },
): Promise<JobLogChunk> {
  const r = await programs.readAs(owner, at.path, at.offset, JOB_LOG_CHUNK_BYTES);
  if (r.code !== 0) {
    if (/No such file/i.test(r.stderr))
      return { ...at, next: at.offset, data: '', more: false, missing: true };
    throw new Ds01Error(
      'CONFLICT',
      `cannot read ${at.path} as ${owner.name}: ${r.stderr.trim() || `exit ${r.code}`}`,
    );
  }
  return {
    ...at,
    next: at.offset + r.stdout.length,
    data: r.stdout.toString('base64'),
    more: r.stdout.length === JOB_LOG_CHUNK_BYTES,
    missing: false,
  };
}

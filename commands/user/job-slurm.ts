// `ds01 job slurm-wait SID`: a Slurm job's batch step (the script `ds01 job submit` gives sbatch). It runs
// as the user on the node Slurm chose and waits on that node's ds01d for the job's container; its exit
// status is the container's, so Slurm records the job's real outcome. If ds01d stops answering for longer
// than --grace, it fails the job and says why in the job's Comment (sacct, `ds01 job list`).
import { spawnSync } from 'node:child_process';
import { ApiError, isConnectionLost } from '../lib/client.js';
import { waitSlurmJob } from '../lib/cluster.js';
import type { Ctx } from '../lib/context.js';
import { UsageError } from '../lib/prompts.js';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((r) => {
    const t = setTimeout(r, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      r();
    });
  });

/** Slurm's record of why: the job's Comment, one line (the user's own job; scontrol checks that). */
function tellSlurm(sid: string, reason: string): void {
  const comment = `ds01: ${reason}`.replace(/\s+/g, ' ').slice(0, 500);
  spawnSync('scontrol', ['update', `JobId=${sid}`, `Comment=${comment}`], {
    timeout: 20_000,
    stdio: 'ignore',
  });
}

export async function runSlurmWait(
  ctx: Ctx,
  sid: string,
  o: { grace?: string },
  signal?: AbortSignal,
): Promise<number> {
  if (!/^\d+$/.test(sid)) throw new UsageError(`"${sid}" is not a Slurm job id`);
  const graceSec = Number(o.grace ?? '60');
  if (!Number.isFinite(graceSec) || graceSec <= 0) throw new UsageError('--grace: give seconds, e.g. 60');
  const node = process.env.SLURMD_NODENAME ?? 'this node';
  let lastAnswer = Date.now();
  for (;;) {
    if (signal?.aborted) return 130;
    try {
      const r = await waitSlurmJob(ctx.client, sid, 30, signal);
      lastAnswer = Date.now();
      if (!r.ended) continue;
      const j = r.job;
      const what = `job ${j.id} on ${node} ${j.state.replace('_', ' ')}${j.reason ? `: ${j.reason}` : ''}`;
      ctx.io.err(`ds01: ${what}\nds01: its log: ${j.logPath}\n`);
      if (j.state !== 'completed') tellSlurm(sid, what);
      return r.exitStatus;
    } catch (err) {
      if (err instanceof ApiError) {
        ctx.io.err(`ds01: ${err.message}\n`);
        tellSlurm(sid, err.message);
        return 1;
      }
      if (!isConnectionLost(err) && !/socket hang up|aborted/i.test(String((err as Error)?.message)))
        throw err;
      if (Date.now() - lastAnswer > graceSec * 1000) {
        const why = `ds01d on ${node} stopped answering (${graceSec}s) while the job ran; the job failed (its container is stopped when ds01d is back)`;
        ctx.io.err(`ds01: ${why}\n`);
        tellSlurm(sid, why);
        return 1;
      }
      await sleep(1000, signal);
    }
  }
}

// `container-deploy NAME --slurm` / `container-retire NAME --slurm` (docs/cluster.md, "Interactive
// allocations"): an allocation Slurm places on any node, its container made there by that node's ds01d;
// this prints the node and how to get in. Retiring ends the allocation (your scancel).
import type { SlurmDeployResult } from '../../daemon/api/types/cluster.js';
import type { JobView } from '../../daemon/api/types/jobs.js';
import type { Ctx } from '../lib/context.js';
import { printJson, prose } from '../lib/output.js';
import { UsageError } from '../lib/prompts.js';

export interface SlurmDeployFlags {
  image?: string;
  gpus?: string;
  mig?: string;
  cpuOnly?: boolean;
  time?: string;
  json?: boolean;
}

/** Flags a Slurm allocation cannot honour (they are this server's own). */
const LOCAL_ONLY = [
  'framework',
  'booking',
  'acceptDeadline',
  'env',
  'dryRun',
  'queue',
  'open',
  'guided',
] as const;

export async function runSlurmDeploy(
  ctx: Ctx,
  name: string | undefined,
  o: SlurmDeployFlags & Record<string, unknown>,
): Promise<number> {
  if (!name) throw new UsageError('give a name: container-deploy NAME --slurm');
  const bad = LOCAL_ONLY.filter((k) => o[k] !== undefined && o[k] !== false);
  if (bad.length)
    throw new UsageError(
      `--slurm does not take --${bad.map((b) => b.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)).join(', --')}`,
    );
  const gpus = o.cpuOnly ? 0 : o.gpus === undefined ? undefined : Number(o.gpus);
  if (gpus !== undefined && !(Number.isInteger(gpus) && gpus >= 0))
    throw new UsageError(`--gpus ${o.gpus}: give a whole number`);
  const body = {
    name,
    ...(o.image ? { image: o.image } : {}),
    ...(o.mig ? { mig: o.mig } : {}),
    ...(gpus !== undefined ? { gpus } : {}),
    ...(o.time ? { time: o.time } : {}),
  };
  ctx.io.err(`ds01: asking Slurm for an allocation "${name}"…\n`);
  const r = await ctx.client.request<SlurmDeployResult>('/slurm/deploy', {
    method: 'POST',
    body,
    timeoutMs: 180_000,
  });
  if (o.json) {
    printJson(ctx.io, r);
    return 0;
  }
  for (const n of r.notes) ctx.io.err(`${prose(ctx.io, `note: ${n}`, '  ')}\n`);
  const limit =
    r.job.timeLimitMs === null ? '' : ` until its time limit (${Math.round(r.job.timeLimitMs / 60_000)} min)`;
  if (r.node) {
    ctx.io.out(
      `${prose(ctx.io, `"${name}" runs on ${r.node} as container ${r.container} (Slurm job ${r.job.id})${limit}. Get in:`, '')}\n`,
    );
    for (const line of r.reach) ctx.io.out(`  ${line}\n`);
  } else ctx.io.out(`${prose(ctx.io, `"${name}" waits in Slurm's queue as job ${r.job.id}.`, '')}\n`);
  ctx.io.out(`End it: container-retire ${name} --slurm\n`);
  return 0;
}

export async function runSlurmRetire(
  ctx: Ctx,
  name: string | undefined,
  o: { json?: boolean },
): Promise<number> {
  if (!name) throw new UsageError('give a name: container-retire NAME --slurm');
  const job = await ctx.client.request<JobView>('/slurm/deploy/retire', { method: 'POST', body: { name } });
  if (o.json) printJson(ctx.io, job);
  else ctx.io.out(`ended the allocation "${name}" (Slurm job ${job.id}); its container stops on its node\n`);
  return 0;
}

// `ds01 cluster probe | render-slurm | check | prolog | epilog` (docs/cluster.md). probe, render-slurm and
// check are an admin's; prolog and epilog are what slurmd runs (as root) on each node, from the scripts
// render-slurm names: they ask the node's ds01d, and their exit status is Slurm's answer (non-zero: Slurm
// drains the node with the message this prints, and requeues the job).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeProbeView, RenderSlurmRequest } from '../../daemon/api/types/index.js';
import { ApiError } from '../lib/client.js';
import { checkCluster, probeNode, renderSlurm, slurmEpilog, slurmProlog } from '../lib/cluster.js';
import type { Ctx } from '../lib/context.js';
import { printJson, prose, table } from '../lib/output.js';
import { UsageError } from '../lib/prompts.js';

export async function runClusterProbe(ctx: Ctx): Promise<number> {
  printJson(ctx.io, await probeNode(ctx.client));
  return 0;
}

export interface RenderFlags {
  probe?: string[];
  cluster?: string;
  deviceDir?: string;
  prolog?: string;
  epilog?: string;
  out?: string;
  json?: boolean;
}

function readProbe(path: string): NodeProbeView {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as NodeProbeView;
  } catch (err) {
    throw new UsageError(
      `--probe ${path}: ${(err as Error).message} (make it with \`ds01 cluster probe > FILE\` on the node)`,
    );
  }
}

export async function runRenderSlurm(ctx: Ctx, o: RenderFlags): Promise<number> {
  const body: RenderSlurmRequest = {
    ...(o.probe?.length ? { nodes: o.probe.map(readProbe) } : {}),
    ...(o.cluster ? { cluster: o.cluster } : {}),
    ...(o.deviceDir ? { deviceDir: o.deviceDir } : {}),
    ...(o.prolog ? { prolog: o.prolog } : {}),
    ...(o.epilog ? { epilog: o.epilog } : {}),
  };
  const r = await renderSlurm(ctx.client, body);
  if (o.json) {
    printJson(ctx.io, r);
    return 0;
  }
  if (o.out) {
    mkdirSync(o.out, { recursive: true });
    writeFileSync(join(o.out, 'slurm.conf.ds01'), r.slurmConf);
    writeFileSync(join(o.out, 'gres.conf'), r.gresConf);
    writeFileSync(join(o.out, 'sacctmgr.sh'), `#!/bin/sh\nset -e\n${r.sacctmgr.join('\n')}\n`, {
      mode: 0o755,
    });
    ctx.io.err(`wrote slurm.conf.ds01, gres.conf and sacctmgr.sh to ${o.out}\n`);
  } else {
    ctx.io.out(`# ---- slurm.conf (add these lines) ----\n${r.slurmConf}\n`);
    ctx.io.out(`# ---- gres.conf ----\n${r.gresConf}\n`);
    ctx.io.out(`# ---- sacctmgr (run once on the controller) ----\n${r.sacctmgr.join('\n')}\n`);
  }
  for (const n of r.notes) ctx.io.err(prose(ctx.io, `note: ${n}`));
  return 0;
}

export async function runClusterCheck(ctx: Ctx, o: { json?: boolean }): Promise<number> {
  const r = await checkCluster(ctx.client);
  if (o.json) printJson(ctx.io, r);
  else {
    const rows = r.items.map((i) => [i.ok ? 'ok' : 'DRIFT', i.what, i.expected, i.actual]);
    ctx.io.out(table(['', 'WHAT', 'POLICY SAYS', 'SLURM HAS'], rows, ctx.io));
    ctx.io.err(
      prose(
        ctx.io,
        r.ok
          ? 'Slurm matches the policy'
          : 'Slurm differs from the policy: `ds01 cluster render-slurm` prints the commands that fix it',
      ),
    );
  }
  return r.ok ? 0 : 1;
}

function slurmJobId(): string {
  const id = process.env.SLURM_JOB_ID ?? '';
  if (!/^\d+$/.test(id))
    throw new UsageError('SLURM_JOB_ID is not set: slurmd runs this as its Prolog/Epilog');
  return id;
}

/** Slurm's Prolog: start the job's container on this node. Exit 0 unless the NODE cannot do it. */
export async function runSlurmProlog(ctx: Ctx): Promise<number> {
  const sid = slurmJobId();
  try {
    const r = await slurmProlog(ctx.client, sid);
    if (r.note) ctx.io.err(`ds01 prolog: Slurm job ${sid}: ${r.note}\n`);
    if (r.job) ctx.io.err(`ds01 prolog: Slurm job ${sid} is ds01 job ${r.job.id} (${r.job.state})\n`);
    return 0;
  } catch (err) {
    ctx.io.err(`ds01 prolog: Slurm job ${sid}: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof ApiError ? 1 : 5;
  }
}

/** Slurm's Epilog: the job has ended; stop its container if it still runs. */
export async function runSlurmEpilog(ctx: Ctx): Promise<number> {
  const sid = slurmJobId();
  try {
    await slurmEpilog(ctx.client, sid);
    return 0;
  } catch (err) {
    ctx.io.err(`ds01 epilog: Slurm job ${sid}: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof ApiError ? 1 : 5;
  }
}

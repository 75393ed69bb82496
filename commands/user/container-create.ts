import type { DeployResult } from '../../daemon/api/types/index.js';
import { type CreateFlags, createContainer, gpuText, newName, requestFromFlags } from '../lib/containers.js';
import type { Ctx } from '../lib/context.js';
import { printJson } from '../lib/output.js';
import { size } from '../lib/units.js';

export function describePlan(r: DeployResult): string {
  const p = r.plan;
  const gpu = p.gpu ? (p.gpu.profile ? `MIG ${p.gpu.profile}` : `${p.gpu.count} GPU slot(s)`) : 'no GPU';
  const mem = p.limits.memoryBytes ? size(p.limits.memoryBytes) : 'no memory cap';
  return `${p.name}: ${p.image}, ${gpu}, ${p.limits.cpus ?? 'all'} CPUs, ${mem}, workspace ${p.workspace}`;
}

export async function runContainerCreate(
  ctx: Ctx,
  name: string | undefined,
  opts: CreateFlags & { json?: boolean },
): Promise<number> {
  const body = requestFromFlags(await newName(name, 'create'), opts);
  const r = await createContainer(ctx.client, body);
  if (opts.json) printJson(ctx.io, r);
  else if (r.status === 'dry-run') ctx.io.err(`would create ${describePlan(r)}\n`);
  else
    ctx.io.err(
      `created ${r.plan.name} (${r.container ? gpuText(r.container) : 'cpu'}); start it with \`container-start ${r.plan.name}\`\n`,
    );
  return 0;
}

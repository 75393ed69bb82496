import { gpuText } from '../lib/containers.js';
import type { Ctx } from '../lib/context.js';
import { duration, printJson, table } from '../lib/output.js';
import { listContainers } from '../lib/system.js';

export async function runContainerList(ctx: Ctx, opts: { json?: boolean; all?: boolean }): Promise<number> {
  const list = await listContainers(ctx.client, opts.all);
  if (opts.json) {
    printJson(ctx.io, list);
    return 0;
  }
  if (!list.length) {
    ctx.io.err('no containers — create one with `container-deploy NAME`\n');
    return 0;
  }
  const rows = list.map((c) => [
    c.name,
    ...(opts.all ? [c.owner] : []),
    c.state,
    c.image,
    gpuText(c) + (c.gpuSlots.some((s) => s.state === 'held') ? ' (held)' : ''),
    c.state === 'running' && c.startedAt ? duration(Date.now() - Date.parse(c.startedAt)) : '-',
  ]);
  ctx.io.out(
    table(['NAME', ...(opts.all ? ['OWNER'] : []), 'STATE', 'IMAGE', 'GPU', 'UPTIME'], rows, ctx.io.columns),
  );
  return 0;
}

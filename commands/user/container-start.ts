import { nameOrPick, startContainer } from '../lib/containers.js';
import type { Ctx } from '../lib/context.js';
import { printJson } from '../lib/output.js';

export async function runContainerStart(
  ctx: Ctx,
  name: string | undefined,
  opts: { json?: boolean },
): Promise<number> {
  const ref = await nameOrPick(ctx.client, name, 'start', (c) => c.state !== 'running');
  const c = await startContainer(ctx.client, ref);
  if (opts.json) printJson(ctx.io, c);
  else ctx.io.err(`${c.name} is ${c.state}; open a shell with \`container-open ${c.name}\`\n`);
  return 0;
}

import { nameOrPick, removeContainer } from '../lib/containers.js';
import type { Ctx } from '../lib/context.js';
import { printJson } from '../lib/output.js';
import { confirm } from '../lib/prompts.js';

export async function runContainerRemove(
  ctx: Ctx,
  name: string | undefined,
  opts: { force?: boolean; yes?: boolean; json?: boolean },
): Promise<number> {
  const ref = await nameOrPick(ctx.client, name, 'remove');
  const ok = await confirm(`Remove ${ref}? (your workspace is kept)`, { yes: opts.yes, flags: 'pass --yes' });
  if (!ok) {
    ctx.io.err('nothing removed\n');
    return 1;
  }
  const r = await removeContainer(ctx.client, ref, opts.force);
  if (opts.json) printJson(ctx.io, r);
  else ctx.io.err(`removed ${r.name}; its workspace is kept\n`);
  return 0;
}

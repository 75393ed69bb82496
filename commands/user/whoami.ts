import type { Ctx } from '../lib/context.js';
import { printJson } from '../lib/output.js';
import { whoami } from '../lib/system.js';

export async function runWhoami(ctx: Ctx, opts: { json?: boolean }): Promise<number> {
  const me = await whoami(ctx.client);
  if (opts.json) printJson(ctx.io, me);
  else {
    ctx.io.out(`${me.name} (uid ${me.uid}, gid ${me.gid})${me.admin ? ' — ds01 admin' : ''}\n`);
    ctx.io.out(`groups: ${me.groups.join(', ') || '-'}\n`);
  }
  return 0;
}

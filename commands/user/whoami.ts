import type { Ctx } from '../lib/context.js';
import { printJson } from '../lib/output.js';
import { whoami } from '../lib/system.js';

export async function runWhoami(ctx: Ctx, opts: { json?: boolean }): Promise<number> {
  const me = await whoami(ctx.client);
  if (opts.json) printJson(ctx.io, me);
  else {
    ctx.io.out(`${me.name} (uid ${me.uid}, gid ${me.gid})\n`);
    ctx.io.out(
      me.admin
        ? 'ds01 admin: yes (the `ds01 admin …` commands and --all work for you)\n'
        : 'ds01 admin: no\n',
    );
    ctx.io.out(`groups: ${me.groups.join(', ') || '-'}\n`);
  }
  return 0;
}

import type { RetireResult } from '../../daemon/api/types/index.js';
import { nameOrPick, retireContainer } from '../lib/containers.js';
import type { Ctx } from '../lib/context.js';
import { printJson } from '../lib/output.js';
import { confirm } from '../lib/prompts.js';

/** One sentence for the plan ("stop and remove …") or, done, what happened ("stopped and removed …"). */
function describe(r: RetireResult, done = false): string {
  const gpus = r.freedSlots.length
    ? `${r.freedSlots.length} GPU slot(s) (${r.freedSlots.map((s) => s.profile ?? 'full GPU').join(', ')})`
    : 'no GPU';
  const verbs = done ? ['stopped and ', 'removed'] : ['stop and ', 'remove'];
  return `${r.wasRunning ? verbs[0] : ''}${verbs[1]} ${r.name}, freeing ${gpus}; workspace ${r.workspace} is kept`;
}

export async function runContainerRetire(
  ctx: Ctx,
  name: string | undefined,
  opts: { force?: boolean; dryRun?: boolean; yes?: boolean; json?: boolean },
): Promise<number> {
  const ref = await nameOrPick(ctx.client, name, 'retire');
  if (!opts.dryRun) {
    const plan = await retireContainer(ctx.client, ref, { dryRun: true });
    const ok = await confirm(`${describe(plan)}. Go ahead?`, { yes: opts.yes, flags: 'pass --yes' });
    if (!ok) {
      ctx.io.err('nothing retired\n');
      return 1;
    }
  }
  const r = await retireContainer(ctx.client, ref, { force: opts.force, dryRun: opts.dryRun });
  if (opts.json) printJson(ctx.io, r);
  else ctx.io.err(r.dryRun ? `would ${describe(r)}\n` : `retired: ${describe(r, true)}\n`);
  return 0;
}

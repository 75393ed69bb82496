import type { Ctx } from '../lib/context.js';
import { runSweep } from '../lib/lifecycle.js';
import { printJson, table } from '../lib/output.js';
import { duration } from '../lib/units.js';

/** `ds01 admin sweep [--dry-run]`: what the lifecycle would do to every container now, and why. */
export async function runAdminSweep(
  ctx: Ctx,
  o: { dryRun?: boolean; json?: boolean; all?: boolean },
): Promise<number> {
  const r = await runSweep(ctx.client, Boolean(o.dryRun));
  if (o.json) {
    printJson(ctx.io, r);
    return r.errors ? 1 : 0;
  }
  const rows = r.containers.filter((c) => o.all || c.action !== 'none' || c.deadline);
  ctx.io.err(
    `${r.dryRun ? 'dry run: nothing was changed; ' : ''}${r.containers.length} container(s) checked in ${r.durationMs} ms${r.sampled ? `, ${r.sampled} sampled` : ''}${r.errors ? `, ${r.errors} error(s)` : ''}\n`,
  );
  if (!rows.length) return r.errors ? 1 : 0;
  const when = (s: number) => (s <= 0 ? 'now' : `in ${duration(s * 1000)}`);
  ctx.io.out(
    table(
      ['CONTAINER', 'OWNER', 'STATE', r.dryRun ? 'WOULD' : 'DID', 'NEXT', 'WHY'],
      rows.map((c) => [
        c.name,
        c.owner,
        c.state,
        c.error
          ? `error: ${c.error}`
          : c.action === 'none'
            ? '-'
            : `${c.action}${r.dryRun || c.applied ? '' : ' (skipped)'}`,
        c.deadline ? `${c.deadline.outcome} ${when(c.deadline.inSec)}` : '-',
        c.reason,
      ]),
      ctx.io,
    ),
  );
  return r.errors ? 1 : 0;
}

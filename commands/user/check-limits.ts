import type { Ctx } from '../lib/context.js';
import { explainUser, myLimits, userLimits } from '../lib/limits.js';
import { paint, printJson, table } from '../lib/output.js';
import { size } from '../lib/units.js';

/** A usage bar that reads without colour: [#####.....] 2/4 */
export function bar(used: number, max: number | null, width = 10): string {
  if (max === null) return `${used} (no limit)`;
  if (max === 0) return `${used}/0`;
  const filled = Math.min(width, Math.round((used / max) * width));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${used}/${max}`;
}

export async function runCheckLimits(
  ctx: Ctx,
  user: string | undefined,
  opts: { json?: boolean },
): Promise<number> {
  const r = user ? await userLimits(ctx.client, user) : await myLimits(ctx.client);
  if (opts.json) {
    printJson(ctx.io, r);
    return 0;
  }
  const p = paint(ctx.io);
  const o = ctx.io.out;
  o(`${p.bold(r.user)} (uid ${r.uid}) — group ${p.bold(r.group)} (${r.groupVia.replace('-', ' ')})\n\n`);
  o(`${p.bold('In use')}\n`);
  o(
    table(
      ['LIMIT', 'USE'],
      r.usage.map((u) => [u.key, bar(u.used, u.max)]),
      ctx.io,
    ),
  );
  for (const st of r.storage ?? []) {
    if (st.hardBytes === null && st.usedBytes === null) continue;
    const pct =
      st.usedBytes !== null && st.hardBytes ? ` (${Math.floor((st.usedBytes / st.hardBytes) * 100)}%)` : '';
    o(
      `  ${st.key}: ${size(st.usedBytes)} of ${st.hardBytes === null ? 'unlimited' : size(st.hardBytes)}${pct}\n`,
    );
  }
  o(`\n${p.bold('Limits')}\n`);
  o(
    table(
      ['KEY', 'VALUE', 'FROM'],
      r.limits.map((l) => [l.key, l.display, l.line ? `${l.source} (line ${l.line})` : l.source]),
      ctx.io,
    ),
  );
  o(`\n${p.bold('Automatic stops')}\n`);
  for (const l of r.lifecycle) o(`  ${l.key}: ${l.display}\n`);
  if (r.aggregate) {
    o(`\n${p.bold('Aggregate caps')} (all your containers together)\n`);
    o(`  enforced: ${r.aggregate.enforced ? 'yes' : 'no (enforcement.aggregate_limits is off)'}\n`);
    for (const c of r.aggregate.caps) o(`  ${c.key}: ${c.display}\n`);
  }
  for (const e of r.exemptions) o(`\n${p.yellow('exemption')} until ${e.expires} (${e.keys}): ${e.reason}\n`);
  if (r.queue.length) o(`\nqueued: ${r.queue.map((q) => `#${q.id} at position ${q.position}`).join(', ')}\n`);
  return 0;
}

export async function runConfigExplain(
  ctx: Ctx,
  user: string,
  opts: { json?: boolean } = {},
): Promise<number> {
  const r = await explainUser(ctx.client, user);
  if (opts.json) printJson(ctx.io, { user, ...r });
  else ctx.io.out(`${r.text}\n`);
  return 0;
}

import type { Ctx } from '../lib/context.js';
import { extendContainer } from '../lib/lifecycle.js';
import { printJson } from '../lib/output.js';

/** `container-extend NAME [DURATION]`: push max runtime back, within what the policy allows. */
export async function runContainerExtend(
  ctx: Ctx,
  name: string,
  duration: string | undefined,
  o: { json?: boolean },
): Promise<number> {
  const r = await extendContainer(ctx.client, name, duration);
  if (o.json) {
    printJson(ctx.io, r);
    return 0;
  }
  const mins = (s: number) => (s >= 3600 ? `${Math.round((s / 3600) * 10) / 10}h` : `${Math.round(s / 60)}m`);
  ctx.io.out(
    `${r.name}: max runtime extended by ${mins(r.addedSec)} to ${mins(r.limitSec)} (${r.extensions} of ${r.maxExtensions} extension(s) used)${r.stopsAt ? `; it now stops at ${r.stopsAt.replace('T', ' ').slice(0, 19)} UTC` : ''}\n`,
  );
  return 0;
}

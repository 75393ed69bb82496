import type { Ctx } from '../lib/context.js';
import { extendContainer } from '../lib/lifecycle.js';
import { printJson } from '../lib/output.js';
import { clock, duration as dur } from '../lib/units.js';

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
  const mins = (s: number) => dur(s * 1000);
  ctx.io.out(
    `${r.name}: max runtime extended by ${mins(r.addedSec)} to ${mins(r.limitSec)} (${r.extensions} of ${r.maxExtensions} extension(s) used)${r.stopsAt ? `; it now stops at ${clock(r.stopsAt)}` : ''}\n`,
  );
  return 0;
}

import type { Ctx } from '../lib/context.js';
import { containerWhy } from '../lib/lifecycle.js';
import { paint, printJson, prose } from '../lib/output.js';

/** `container-why NAME`: its activity, the thresholds, the next deadline and what happens then. */
export async function runContainerWhy(ctx: Ctx, name: string, o: { json?: boolean }): Promise<number> {
  const why = await containerWhy(ctx.client, name);
  if (o.json) {
    printJson(ctx.io, why);
    return 0;
  }
  const p = paint(ctx.io);
  const [first, ...rest] = why.text;
  ctx.io.out(`${p.bold(first ?? why.name)}\n`);
  for (const line of rest) ctx.io.out(prose(ctx.io, `  ${line}`, `  ${/^\s*/.exec(line)?.[0] ?? ''}  `));
  return 0;
}

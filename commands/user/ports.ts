// `ds01 ports NAME`: what listens inside the container, and how to reach it from a laptop.
import { containerPorts } from '../lib/access.js';
import type { Ctx } from '../lib/context.js';
import { printJson, table } from '../lib/output.js';

export async function runPorts(ctx: Ctx, name: string, o: { json?: boolean }): Promise<number> {
  const r = await containerPorts(ctx.client, name);
  if (o.json) {
    printJson(ctx.io, r);
    return 0;
  }
  if (!r.ports.length) {
    ctx.io.err(`ds01: nothing listens in ${r.container}\n`);
    return 0;
  }
  ctx.io.out(
    table(
      ['PORT', 'ADDRESS', 'FROM A LAPTOP'],
      r.ports.map((p) => [
        String(p.port),
        p.address,
        `ssh -N -L ${p.port}:localhost:${p.port} ${r.container}.ds01`,
      ]),
      ctx.io,
    ),
  );
  return 0;
}

import { nameOrPick, stopContainer } from '../lib/containers.js';
import type { Ctx } from '../lib/context.js';
import { printJson } from '../lib/output.js';
import { UsageError } from '../lib/prompts.js';

export async function runContainerStop(
  ctx: Ctx,
  name: string | undefined,
  opts: { timeout?: string; force?: boolean; json?: boolean },
): Promise<number> {
  let timeout: number | undefined;
  if (opts.timeout !== undefined) {
    timeout = Number(opts.timeout);
    if (!Number.isInteger(timeout) || timeout < 0)
      throw new UsageError(`--timeout wants seconds ≥ 0 (got ${opts.timeout})`);
  }
  const ref = await nameOrPick(ctx.client, name, 'stop', (c) => c.state === 'running');
  const c = await stopContainer(ctx.client, ref, { timeout, force: opts.force });
  if (opts.json) printJson(ctx.io, c);
  else {
    const held = c.gpuSlots.filter((s) => s.state === 'held').length;
    ctx.io.err(
      `${c.name} is ${c.state}${held ? `; its GPU is held for a while (see \`container-list\`)` : ''}\n`,
    );
  }
  return 0;
}

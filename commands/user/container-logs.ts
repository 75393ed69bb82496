import { containerLogs, nameOrPick } from '../lib/containers.js';
import type { Ctx } from '../lib/context.js';
import { UsageError } from '../lib/prompts.js';

export async function runContainerLogs(
  ctx: Ctx,
  name: string | undefined,
  opts: { follow?: boolean; tail?: string },
  signal?: AbortSignal,
): Promise<number> {
  let tail: number | undefined;
  if (opts.tail !== undefined) {
    tail = Number(opts.tail);
    if (!Number.isInteger(tail) || tail < 0)
      throw new UsageError(`--tail wants a line count (got ${opts.tail})`);
  }
  const ref = await nameOrPick(ctx.client, name, 'logs');
  for await (const chunk of containerLogs(ctx.client, ref, { tail, follow: opts.follow }, signal)) {
    if (chunk.stream === 'stderr') ctx.io.err(chunk.text);
    else ctx.io.out(chunk.text);
  }
  return 0;
}

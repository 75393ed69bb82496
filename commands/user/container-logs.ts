import { containerLogs, nameOrPick } from '../lib/containers.js';
import type { Ctx } from '../lib/context.js';
import { following } from '../lib/follow.js';
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
  // With -f, a daemon restart reopens the stream from "now" (tail 0): lines are not shown twice.
  const open = (n: number) =>
    containerLogs(ctx.client, ref, { tail: n === 0 ? tail : 0, follow: opts.follow }, signal);
  const chunks = opts.follow ? following(open, { signal, notice: ctx.io.err }) : await open(0);
  for await (const chunk of chunks) {
    if (chunk.stream === 'stderr') ctx.io.err(chunk.text);
    else ctx.io.out(chunk.text);
  }
  return 0;
}

import { containerLogs, nameOrPick } from '../lib/containers.js';
import type { Ctx } from '../lib/context.js';
import { following } from '../lib/follow.js';
import { jsonLine, lineSplitter } from '../lib/json-lines.js';
import { UsageError } from '../lib/prompts.js';

export async function runContainerLogs(
  ctx: Ctx,
  name: string | undefined,
  opts: { follow?: boolean; tail?: string; json?: boolean },
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
  if (opts.json) {
    // One {"stream","line"} object per line on stdout, stderr lines included (they are data here).
    const lines = lineSplitter<'stdout' | 'stderr'>();
    for await (const chunk of chunks)
      for (const l of lines.push(chunk.stream, chunk.text)) ctx.io.out(jsonLine(l));
    for (const l of lines.end()) ctx.io.out(jsonLine(l));
    return 0;
  }
  for await (const chunk of chunks) {
    if (chunk.stream === 'stderr') ctx.io.err(chunk.text);
    else ctx.io.out(chunk.text);
  }
  return 0;
}

// `container-stats NAME [--watch]`: one container's CPU, memory, network, disk and GPU use, like `docker
// stats`. --watch redraws in place until q or Ctrl-C (and keeps going through a daemon restart).
import type { ContainerStats } from '../../daemon/api/types/index.js';
import { containerStats, nameOrPick, watchContainerStats } from '../lib/containers.js';
import type { Ctx } from '../lib/context.js';
import { following } from '../lib/follow.js';
import { printJson, table } from '../lib/output.js';
import { openScreen, watchExit } from '../lib/screen.js';
import { percent, size, sizeMiB, usedOf } from '../lib/units.js';

export function statsRow(s: ContainerStats): string[] {
  const gpu = s.gpus.length
    ? s.gpus
        .map(
          (g) =>
            `${g.profile ?? 'GPU'}${g.utilizationPct !== null ? ` ${g.utilizationPct}%` : ''}${g.memoryUsedMiB !== null ? ` ${sizeMiB(g.memoryUsedMiB)} / ${sizeMiB(g.memoryTotalMiB)}` : ''}`,
        )
        .join(', ')
    : '-';
  return [
    s.name,
    percent(s.cpuPercent),
    usedOf(s.memoryBytes, s.memoryLimitBytes || null),
    percent(s.memoryPercent),
    `${size(s.netRxBytes)} / ${size(s.netTxBytes)}`,
    `${size(s.blockReadBytes)} / ${size(s.blockWriteBytes)}`,
    String(s.pids),
    gpu,
  ];
}

const HEAD = ['NAME', 'CPU %', 'MEM / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS', 'GPU'];

export async function runContainerStats(
  ctx: Ctx,
  name: string | undefined,
  opts: { watch?: boolean; json?: boolean },
  signal?: AbortSignal,
): Promise<number> {
  const ref = await nameOrPick(ctx.client, name, 'stats');
  if (!opts.watch) {
    const s = await containerStats(ctx.client, ref);
    if (opts.json) printJson(ctx.io, s);
    else ctx.io.out(table(HEAD, [statsRow(s)], ctx.io));
    return 0;
  }
  const open = () => watchContainerStats(ctx.client, ref, signal);
  if (opts.json || !ctx.io.isTTY) {
    // Scripts: one object (or one table) per sample, until interrupted.
    for await (const s of following(open, { signal, notice: ctx.io.err, reopenOnEnd: false })) {
      ctx.io.out(opts.json ? `${JSON.stringify(s)}\n` : table(HEAD, [statsRow(s)], ctx.io));
    }
    return 0;
  }
  const screen = openScreen(ctx.io, signal);
  try {
    const watch = () => watchContainerStats(ctx.client, ref, screen.signal);
    // Notices would scroll the screen: the reconnect message is a frame of its own.
    const notice = (s: string) => screen.draw([s.trim()]);
    for await (const s of following(watch, { signal: screen.signal, notice })) {
      screen.draw(
        table(HEAD, [statsRow(s)], ctx.io)
          .trimEnd()
          .split('\n'),
      );
    }
  } finally {
    screen.close();
  }
  return watchExit(screen);
}

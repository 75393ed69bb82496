import type { ContainerStats } from '../../daemon/api/types/index.js';
import { containerStats, nameOrPick, watchContainerStats } from '../lib/containers.js';
import type { Ctx } from '../lib/context.js';
import { printJson, table } from '../lib/output.js';

const mib = (b: number) => `${(b / 1024 ** 2).toFixed(1)}MiB`;
const bytes = (b: number) =>
  b >= 1024 ** 3
    ? `${(b / 1024 ** 3).toFixed(1)}GB`
    : b >= 1024 ** 2
      ? `${(b / 1024 ** 2).toFixed(1)}MB`
      : b >= 1024
        ? `${(b / 1024).toFixed(1)}kB`
        : `${b}B`;

export function statsRow(s: ContainerStats): string[] {
  const gpu = s.gpus.length
    ? s.gpus
        .map(
          (g) =>
            `${g.profile ?? 'GPU'}${g.utilizationPct !== null ? ` ${g.utilizationPct}%` : ''}${g.memoryUsedMiB !== null ? ` ${g.memoryUsedMiB}/${g.memoryTotalMiB}MiB` : ''}`,
        )
        .join(', ')
    : '-';
  return [
    s.name,
    `${s.cpuPercent.toFixed(1)}%`,
    `${mib(s.memoryBytes)} / ${s.memoryLimitBytes ? mib(s.memoryLimitBytes) : '-'}`,
    s.memoryPercent !== null ? `${s.memoryPercent.toFixed(1)}%` : '-',
    `${bytes(s.netRxBytes)} / ${bytes(s.netTxBytes)}`,
    `${bytes(s.blockReadBytes)} / ${bytes(s.blockWriteBytes)}`,
    String(s.pids),
    gpu,
  ];
}

const HEAD = ['NAME', 'CPU', 'MEM / LIMIT', 'MEM', 'NET RX / TX', 'BLOCK R / W', 'PIDS', 'GPU'];

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
    else ctx.io.out(table(HEAD, [statsRow(s)], ctx.io.columns));
    return 0;
  }
  for await (const s of watchContainerStats(ctx.client, ref, signal)) {
    if (opts.json) ctx.io.out(`${JSON.stringify(s)}\n`);
    else if (ctx.io.isTTY) ctx.io.out(`\x1b[H\x1b[2J${table(HEAD, [statsRow(s)], ctx.io.columns)}`);
    else ctx.io.out(table(HEAD, [statsRow(s)], ctx.io.columns));
  }
  return 0;
}

// `ds01-dashboard` / `ds01 dashboard`: GPUs and MIG slots, queue, usage against quota, recent events.
// --watch redraws in place (alternate screen, cursor home, each line cleared to its end: no flicker);
// --json prints the same snapshot the screen is drawn from.
import type { DashboardData } from '../../daemon/api/types/index.js';
import { dashboard } from '../lib/admin.js';
import type { Ctx } from '../lib/context.js';
import { renderDashboard } from '../lib/dashboard.js';
import { printJson } from '../lib/output.js';

export interface DashboardOpts {
  json?: boolean;
  watch?: boolean;
  interval?: string;
}

const ESC = '\x1b[';

function columns(ctx: Ctx): number {
  return (ctx.io.isTTY && process.stdout.columns) || ctx.io.columns || 80;
}

function frame(ctx: Ctx, d: DashboardData): string[] {
  return renderDashboard(d, { width: columns(ctx), color: ctx.io.color });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

export async function runDashboard(ctx: Ctx, o: DashboardOpts, signal?: AbortSignal): Promise<number> {
  const interval = o.interval === undefined ? 2 : Number(o.interval);
  if (!(interval >= 0.5 && interval <= 3600)) {
    ctx.io.err('ds01: --interval is seconds between 0.5 and 3600\n');
    return 2;
  }
  if (!o.watch) {
    const d = await dashboard(ctx.client);
    if (o.json) printJson(ctx.io, d);
    else ctx.io.out(`${frame(ctx, d).join('\n')}\n`);
    return 0;
  }
  if (o.json) {
    // One snapshot per line, for scripts that follow it.
    while (!signal?.aborted) {
      ctx.io.out(`${JSON.stringify(await dashboard(ctx.client))}\n`);
      await sleep(interval * 1000, signal);
    }
    return 0;
  }
  const tty = ctx.io.isTTY;
  // Alternate screen + hidden cursor while watching; both restored however we leave.
  if (tty) ctx.io.out(`${ESC}?1049h${ESC}?25l`);
  try {
    while (!signal?.aborted) {
      let lines: string[];
      try {
        lines = frame(ctx, await dashboard(ctx.client));
      } catch (err) {
        if ((err as Error).name === 'AbortError') break;
        // Keep watching through a daemon restart; say so on the screen.
        lines = [`ds01 dashboard: ${(err as Error).message}`, 'retrying…'];
      }
      if (tty) {
        const rows = process.stdout.rows || lines.length;
        ctx.io.out(
          `${ESC}H${lines
            .slice(0, rows)
            .map((l) => `${l}${ESC}K`)
            .join('\n')}${ESC}J`,
        );
      } else ctx.io.out(`${lines.join('\n')}\n\n`);
      await sleep(interval * 1000, signal);
    }
  } finally {
    if (tty) ctx.io.out(`${ESC}?25h${ESC}?1049l`);
  }
  return 0;
}

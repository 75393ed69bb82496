// `ds01-dashboard` / `ds01 dashboard`: GPUs and MIG slots, queue, usage against quota, recent events.
// --watch redraws in place (lib/screen.ts: q or Ctrl-C quits, the terminal is restored);
// --json prints the same snapshot the screen is drawn from.
import type { DashboardData } from '../../daemon/api/types/index.js';
import { dashboard } from '../lib/admin.js';
import { isConnectionLost } from '../lib/client.js';
import type { Ctx } from '../lib/context.js';
import { renderDashboard } from '../lib/dashboard.js';
import { printJson } from '../lib/output.js';
import { openScreen, sleep, watchExit } from '../lib/screen.js';

export interface DashboardOpts {
  json?: boolean;
  watch?: boolean;
  interval?: string;
}

function columns(ctx: Ctx): number {
  return (ctx.io.isTTY && process.stdout.columns) || ctx.io.columns || 80;
}

function frame(ctx: Ctx, d: DashboardData): string[] {
  return renderDashboard(d, { width: columns(ctx), color: ctx.io.color });
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
  const screen = openScreen(ctx.io, signal);
  try {
    while (!screen.signal.aborted) {
      let lines: string[];
      try {
        lines = frame(ctx, await dashboard(ctx.client));
      } catch (err) {
        if (screen.signal.aborted) break;
        if (!isConnectionLost(err)) throw err;
        // Keep watching through a daemon restart; say so on the screen.
        lines = [`ds01 dashboard: ${(err as Error).message}`, 'retrying…'];
      }
      screen.draw(lines);
      await sleep(interval * 1000, screen.signal);
    }
  } finally {
    screen.close();
  }
  return watchExit(screen);
}

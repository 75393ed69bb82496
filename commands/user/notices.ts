import type { Notice } from '../../daemon/api/types/index.js';
import type { Ctx } from '../lib/context.js';
import { listNotices } from '../lib/lifecycle.js';
import { paint, printJson } from '../lib/output.js';
import { clock } from '../lib/units.js';

const line = (n: Notice) => `${clock(n.ts, { seconds: false })}  ${n.message}\n`;

/**
 * `ds01 notices`: warnings and automatic actions about your containers. `--login` is for the profile.d
 * snippet: unread ones only, marked shown, quick, and silent on any error (a login must never fail on ds01).
 */
export async function runNotices(
  ctx: Ctx,
  o: { login?: boolean; all?: boolean; json?: boolean },
): Promise<number> {
  if (o.login) {
    try {
      const notices = await listNotices(ctx.client, { mark: true }, 2000);
      if (notices.length) {
        const p = paint(ctx.io);
        ctx.io.out(`${p.bold(p.yellow('ds01 notices:'))}\n`);
        for (const n of notices) ctx.io.out(`  ${line(n)}`);
      }
    } catch {
      // daemon down or slow: say nothing at login
    }
    return 0;
  }
  const notices = await listNotices(ctx.client, { all: o.all, mark: true });
  if (o.json) {
    printJson(ctx.io, notices);
    return 0;
  }
  if (!notices.length) {
    ctx.io.err(
      o.all ? 'no notices in the last 7 days\n' : 'no unread notices (--all shows the last 7 days)\n',
    );
    return 0;
  }
  for (const n of notices) ctx.io.out(line(n));
  return 0;
}

/**
 * Before another command: unread notices on stderr, once (any failure is silent). They ride on the
 * command's first request (ds01d adds them to its answer's head) and are printed before the command sees
 * that answer; the returned function, called after the command, asks for them on a request of their own
 * if the command asked the daemon nothing.
 */
export function showPendingNotices(ctx: Ctx): () => Promise<void> {
  ctx.client.takeNotices((notices) => {
    for (const n of notices) ctx.io.err(`${paint(ctx.io).yellow('notice:')} ${n.message}\n`);
  });
  return () => ctx.client.passGate();
}

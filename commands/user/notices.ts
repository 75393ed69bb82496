import type { Notice } from '../../daemon/api/types/index.js';
import { Client } from '../lib/client.js';
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
 * Before another command: unread notices on stderr, once (any failure is silent). The request starts now,
 * on its own connection, beside the command's; they are printed when the command's first answer arrives
 * (before the command shows it), or by the returned function if the command never asked anything.
 */
export function showPendingNotices(ctx: Ctx): () => Promise<void> {
  const fetched = listNotices(new Client(ctx.client.socket), { mark: true }, 1500).catch(
    () => [] as Notice[], // never let a notice get in the way of the command itself
  );
  let shown: Promise<void> | null = null;
  const show = () => {
    shown ??= fetched.then((notices) => {
      for (const n of notices) ctx.io.err(`${paint(ctx.io).yellow('notice:')} ${n.message}\n`);
    });
    return shown;
  };
  ctx.client.holdFirstAnswer(show);
  return show;
}

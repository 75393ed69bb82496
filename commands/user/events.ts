import type { AuditEvent } from '../../daemon/api/types/index.js';
import type { Ctx } from '../lib/context.js';
import { following } from '../lib/follow.js';
import { fits, paint } from '../lib/output.js';
import { followEvents, listEvents } from '../lib/system.js';
import { clock } from '../lib/units.js';

export interface EventsOpts {
  follow?: boolean;
  json?: boolean;
  user?: string;
  container?: string;
  kind?: string;
  since?: string;
  until?: string;
  limit?: string;
}

function line(ctx: Ctx, e: AuditEvent): string {
  const p = paint(ctx.io);
  const time = clock(e.ts);
  const who = e.containerName ? ` ${e.containerName}` : '';
  const head = `${time}  ${e.kind}${who}  ${e.actor}`;
  let reason = e.reason ? ` — ${e.reason}` : '';
  // On a terminal, one event is one screen line: the reason gives way.
  const room = ctx.io.columns - head.length;
  if (fits(ctx.io) && reason.length > room) reason = room > 4 ? `${reason.slice(0, room - 1)}…` : '';
  return `${time}  ${p.bold(e.kind)}${who ? ` ${p.cyan(e.containerName ?? '')}` : ''}  ${e.actor}${reason}\n`;
}

export async function runEvents(ctx: Ctx, o: EventsOpts, signal?: AbortSignal): Promise<number> {
  const q = {
    user: o.user,
    container: o.container,
    kind: o.kind,
    since: o.since,
    until: o.until,
    limit: o.limit ? Number(o.limit) : undefined,
  };
  if (o.follow) {
    // NDJSON in, one line (or one JSON object per line) out, until interrupted. After a daemon restart
    // the feed resumes from the last event shown (ids are increasing: nothing is shown twice).
    const startedAt = new Date().toISOString();
    let lastId = 0;
    let lastTs: string | undefined;
    const open = (n: number) =>
      followEvents(ctx.client, n === 0 ? q : { ...q, since: lastTs ?? startedAt }, signal);
    for await (const e of following(open, { signal, notice: ctx.io.err, reopenOnEnd: true })) {
      if (e.id <= lastId) continue;
      lastId = e.id;
      lastTs = e.ts;
      ctx.io.out(o.json ? `${JSON.stringify(e)}\n` : line(ctx, e));
    }
    return 0;
  }
  const events = await listEvents(ctx.client, q);
  if (o.json) {
    ctx.io.out(`${JSON.stringify(events, null, 2)}\n`);
    return 0;
  }
  if (!events.length) {
    ctx.io.err('no events match\n');
    return 0;
  }
  // One line per event, like the --follow stream; on a terminal cut to its width.
  for (const e of events) {
    const text = line(ctx, e);
    ctx.io.out(
      fits(ctx.io) && text.length > ctx.io.columns ? `${text.slice(0, ctx.io.columns - 2)}…\n` : text,
    );
  }
  return 0;
}

import type { AuditEvent } from '../../daemon/api/types/index.js';
import type { Ctx } from '../lib/context.js';
import { paint, table } from '../lib/output.js';
import { followEvents, listEvents } from '../lib/system.js';

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
  const who = e.containerName ? ` ${p.cyan(e.containerName)}` : '';
  return `${e.ts.replace('T', ' ').slice(0, 19)}  ${p.bold(e.kind)}${who}  ${e.actor}${e.reason ? ` — ${e.reason}` : ''}\n`;
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
    // NDJSON in, one line (or one JSON object per line) out, until interrupted.
    for await (const e of followEvents(ctx.client, q, signal)) {
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
  ctx.io.out(
    table(
      ['TIME', 'KIND', 'CONTAINER', 'BY', 'REASON'],
      events.map((e) => [
        e.ts.replace('T', ' ').slice(0, 19),
        e.kind,
        e.containerName ?? '-',
        e.actor,
        e.reason ?? '',
      ]),
      Math.max(80, ctx.io.columns),
    ),
  );
  return 0;
}

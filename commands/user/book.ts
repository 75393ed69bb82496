// `ds01 book`: reserve GPU slots for a time window; `book list`, `book cancel ID`; `gpu avail --at TIME`.
// Times are read in the user's zone (chrono-node) and shown back as absolute local times, so a typo in
// "tomorrow 09:00" is caught by reading the answer, not at 09:00.
import type { BookingView } from '../../daemon/api/types/index.js';
import { availabilityAt, cancelBooking, createBooking, listBookings } from '../lib/bookings.js';
import type { Ctx } from '../lib/context.js';
import { printJson, prose, table } from '../lib/output.js';
import { UsageError } from '../lib/prompts.js';
import { clock, duration, fromNow } from '../lib/units.js';
import { parseLength, parseWhen } from '../lib/when.js';

export interface BookFlags {
  gpus?: string;
  mig?: string;
  wholeGpu?: boolean;
  slot?: string[];
  from?: string;
  for?: string;
  until?: string;
  note?: string;
  maintenance?: boolean;
  json?: boolean;
}

export async function runBook(ctx: Ctx, f: BookFlags): Promise<number> {
  if (!f.from) throw new UsageError('say when: --from "tomorrow 09:00" (and --for 4h or --until TIME)');
  if (Boolean(f.for) === Boolean(f.until))
    throw new UsageError('give the length with --for 4h, or the end with --until TIME');
  const shapes = [f.gpus !== undefined, f.mig !== undefined, Boolean(f.slot?.length)].filter(Boolean).length;
  if (shapes > 1) throw new UsageError('give one of --gpus N, --mig PROFILE or --slot REF');
  const now = new Date();
  const from = await parseWhen(f.from, now, '--from');
  const lengthMs = f.for
    ? parseLength(f.for, '--for')
    : (await parseWhen(f.until as string, from, '--until')).getTime() - from.getTime();
  if (lengthMs <= 0)
    throw new UsageError(
      `--until must be after the start (${clock(from.toISOString(), { seconds: false })})`,
    );
  const gpus = f.gpus === undefined ? undefined : Number(f.gpus);
  if (gpus !== undefined && (!Number.isInteger(gpus) || gpus < 1))
    throw new UsageError(`--gpus wants a whole number ≥ 1 (got ${f.gpus})`);
  const b = await createBooking(ctx.client, {
    from: from.getTime(),
    lengthMs,
    ...(gpus !== undefined ? { gpus } : {}),
    ...(f.mig ? { mig: f.mig } : {}),
    ...(f.wholeGpu ? { wholeGpu: true } : {}),
    ...(f.slot?.length ? { slots: f.slot } : {}),
    ...(f.note ? { note: f.note } : {}),
    ...(f.maintenance ? { maintenance: true } : {}),
  });
  if (f.json) {
    printJson(ctx.io, b);
    return 0;
  }
  ctx.io.err(
    prose(
      ctx.io,
      `booked ${what(b)} as booking ${b.id}: ${clock(b.from, { seconds: false })} to ${clock(b.to, { seconds: false })} (${duration(Date.parse(b.to) - Date.parse(b.from))}, ${fromNow(b.from, Date.now())})`,
    ),
  );
  if (!b.maintenance)
    ctx.io.err(
      prose(
        ctx.io,
        `deploy in the window with \`container-deploy NAME --booking ${b.id}\`${b.releaseIfUnusedAt ? `; unused by ${clock(b.releaseIfUnusedAt, { seconds: false })} it is released for others` : ''}`,
      ),
    );
  return 0;
}

export async function runBookList(ctx: Ctx, o: { all?: boolean; json?: boolean }): Promise<number> {
  const r = await listBookings(ctx.client, Boolean(o.all));
  if (o.json) {
    printJson(ctx.io, r);
    return 0;
  }
  if (!r.bookings.length) {
    ctx.io.err(
      `no bookings${o.all ? '' : ' of yours'} (book with \`ds01 book --mig PROFILE --from TIME --for 2h\`)\n`,
    );
    return 0;
  }
  const now = Date.now();
  const rows = r.bookings.map((b) => [
    String(b.id),
    b.owner ?? 'someone',
    what(b),
    clock(b.from, { seconds: false }),
    clock(b.to, { seconds: false }),
    stateText(b, now),
    b.note ?? '',
  ]);
  ctx.io.out(table(['ID', 'USER', 'WHAT', 'FROM', 'TO', 'STATE', 'NOTE'], rows, ctx.io));
  const p = r.policy;
  if (p)
    ctx.io.err(
      prose(
        ctx.io,
        `your limits: ${p.maxHoursPerWeek ?? 'unlimited'} slot-hours in any 7 days, ${p.maxLengthMs === null ? 'any length' : `at most ${duration(p.maxLengthMs)} each`}, up to ${p.maxAheadMs === null ? 'any time' : duration(p.maxAheadMs)} ahead${p.profiles ? `, profiles ${p.profiles.join(', ')}` : ''}; unused bookings are released after ${duration(p.noShowGraceMs)}`,
      ),
    );
  return 0;
}

export async function runBookCancel(
  ctx: Ctx,
  raw: string,
  o: { reason?: string; json?: boolean },
): Promise<number> {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id < 1)
    throw new UsageError(`"${raw}" is not a booking id (see \`ds01 book list\`)`);
  const b = await cancelBooking(ctx.client, id, o.reason);
  if (o.json) printJson(ctx.io, b);
  else ctx.io.err(`booking ${b.id} (${clock(b.from, { seconds: false })}): ${stateText(b, Date.now())}\n`);
  return 0;
}

export async function runAvailAt(ctx: Ctx, o: { at: string; json?: boolean }): Promise<number> {
  const at = await parseWhen(o.at, new Date(), '--at');
  const r = await availabilityAt(ctx.client, at.getTime());
  if (o.json) {
    printJson(ctx.io, r);
    return 0;
  }
  ctx.io.err(`at ${clock(r.at, { seconds: false })}:\n`);
  const rows = r.profiles.map((p) => [
    p.profile,
    String(p.total),
    String(p.bookable),
    String(p.bookedByYou),
    String(p.bookedByOthers),
    String(p.inUseNow),
  ]);
  ctx.io.out(
    table(['PROFILE', 'TOTAL', 'BOOKABLE', 'BOOKED-YOU', 'BOOKED-OTHERS', 'IN-USE-NOW'], rows, ctx.io),
  );
  ctx.io.err(
    prose(ctx.io, 'bookable slots in use now may still be running then; book one to be sure: `ds01 book`'),
  );
  return 0;
}

function what(b: BookingView): string {
  const n = b.slots.length;
  const kind = b.profile === 'full' ? `whole GPU${n === 1 ? '' : 's'}` : `${b.profile ?? 'slot'}`;
  const gpus = [...new Set(b.slots.map((s) => s.gpuIndex).filter((i) => i !== null))].join(',');
  return `${b.maintenance ? 'maintenance: ' : ''}${n > 1 || b.profile !== 'full' ? `${n}× ` : ''}${kind}${gpus ? ` (GPU ${gpus})` : ''}`;
}

function stateText(b: BookingView, now: number): string {
  if (b.state === 'cancelled') return 'cancelled';
  if (b.state === 'no_show') return 'released (no-show)';
  if (b.phase === 'ended') return b.state === 'used' ? 'ended (used)' : 'ended';
  if (b.phase === 'active')
    return b.state === 'used'
      ? 'in use'
      : `active, unused${b.releaseIfUnusedAt ? ` (released ${fromNow(b.releaseIfUnusedAt, now)})` : ''}`;
  return `upcoming (${fromNow(b.from, now)})`;
}

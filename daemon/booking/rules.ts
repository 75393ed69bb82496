// Whether a booking may be made, and on which slots: policy limits per group (length, how far ahead, the
// profiles, booked hours in any 7 days), the quota a deploy would face, and slots free for the whole window.
// Pure: the service runs it inside the transaction that inserts the booking (and the database's trigger
// refuses an overlap even if this were wrong).
import type { AllocatableSlot, AllocationLimits } from '../gpu/allocator.js';
import { type BookedWindow, type BookingPolicy, WEEK_MS } from './types.js';

export interface BookingShape {
  count: number;
  profile: string | null;
  wholeGpu: boolean;
  /** Admins: exactly these slots (e.g. every slot of one GPU for maintenance). */
  slotUuids?: readonly string[] | null;
}

export interface BookingCheckInput {
  now: number;
  ownerUid: number;
  from: number;
  to: number;
  shape: BookingShape;
  /** Admins are not bound by the booking policy or quotas, and may book for maintenance. */
  admin: boolean;
  maintenance: boolean;
  policy: BookingPolicy;
  limits: AllocationLimits;
  slots: readonly AllocatableSlot[];
  /** Live bookings (any owner): cancelled and released ones are left out. */
  bookings: readonly BookedWindow[];
  /** Renders a time for a sentence (the daemon's one form). */
  when: (t: number) => string;
}

export type BookingCheck =
  | { ok: true; slots: string[] }
  | {
      ok: false;
      code: 'BAD_REQUEST' | 'FORBIDDEN' | 'QUOTA_EXCEEDED' | 'NO_CAPACITY';
      message: string;
      hint: string;
    };

const EPS = 1e-9;
/** A booking may start this far in the past (the request took a moment to arrive). */
const PAST_SLACK_MS = 60_000;

export function overlaps(a: { from: number; to: number }, b: { from: number; to: number }): boolean {
  return a.from < b.to && b.from < a.to;
}

/** The slot-hours of `windows` inside [start, end). */
function hoursWithin(
  windows: readonly { from: number; to: number; n: number }[],
  start: number,
  end: number,
) {
  let ms = 0;
  for (const w of windows) ms += Math.max(0, Math.min(end, w.to) - Math.max(start, w.from)) * w.n;
  return ms / 3_600_000;
}

/**
 * The most slot-hours the owner would have booked in any 7 days that touch the new window. The sum over a
 * sliding week is piecewise linear in its start, so its maximum is at a start where an edge of the week
 * meets an edge of some booking.
 */
export function peakWeeklyHours(
  own: readonly { from: number; to: number; n: number }[],
  candidate: { from: number; to: number; n: number },
): number {
  const all = [...own, candidate];
  const starts = new Set<number>();
  for (const w of all) for (const edge of [w.from, w.to]) starts.add(edge).add(edge - WEEK_MS);
  let peak = 0;
  for (const s of starts) {
    if (s + WEEK_MS <= candidate.from || s >= candidate.to) continue;
    peak = Math.max(peak, hoursWithin(all, s, s + WEEK_MS));
  }
  return peak;
}

export function shapeMatches(s: AllocatableSlot, shape: BookingShape, fullAllowed: boolean): boolean {
  if (s.state === 'missing') return false;
  if (shape.wholeGpu) return s.kind === 'full';
  if (shape.profile) return s.kind === 'mig' && s.profile === shape.profile;
  return s.kind === 'mig' || fullAllowed;
}

/** What a booking of this shape is called in the policy's `profiles` list. */
function profileNames(shape: BookingShape, slots: readonly AllocatableSlot[]): string[] {
  if (shape.wholeGpu) return ['full'];
  if (shape.profile) return [shape.profile];
  return [...new Set(slots.map((s) => (s.kind === 'full' ? 'full' : (s.profile ?? 'mig'))))];
}

function fail(
  code: Exclude<BookingCheck, { ok: true }>['code'],
  message: string,
  hint: string,
): BookingCheck {
  return { ok: false, code, message, hint };
}

export function checkBooking(i: BookingCheckInput): BookingCheck {
  const { shape } = i;
  const lengthMs = i.to - i.from;
  if (!Number.isFinite(i.from) || !Number.isFinite(i.to) || lengthMs <= 0)
    return fail('BAD_REQUEST', 'A booking must end after it starts.', 'Give --for a duration such as 2h.');
  if (i.from < i.now - PAST_SLACK_MS)
    return fail(
      'BAD_REQUEST',
      `The booking would start at ${i.when(i.from)}, which has passed.`,
      'Give a start in the future, e.g. --from "tomorrow 09:00".',
    );
  if (!Number.isInteger(shape.count) || shape.count < 1 || shape.count > 16)
    return fail(
      'BAD_REQUEST',
      `A booking is for 1 to 16 slots, not ${shape.count}.`,
      'Use --gpus N or --mig PROFILE.',
    );
  if (i.maintenance && !i.admin)
    return fail('FORBIDDEN', 'Only admins may book slots for maintenance.', 'Book without --maintenance.');
  if (shape.slotUuids?.length && !i.admin)
    return fail(
      'FORBIDDEN',
      'Only admins may book named slots.',
      'Book by shape: --gpus N or --mig PROFILE.',
    );

  const eligible = i.slots.filter(
    (s) => shapeMatches(s, shape, i.admin || i.limits.allowFullGpu) && (i.admin || s.state === 'available'),
  );
  if (!i.admin) {
    const refusal = policyRefusal(i, lengthMs, eligible);
    if (refusal) return refusal;
  }

  const taken = (uuid: string) =>
    i.bookings.some((b) => b.slots.includes(uuid) && overlaps(b, { from: i.from, to: i.to }));
  const firstClash = (uuid: string) =>
    i.bookings
      .filter((b) => b.slots.includes(uuid) && overlaps(b, { from: i.from, to: i.to }))
      .sort((a, b) => a.from - b.from)[0];

  if (shape.slotUuids?.length) {
    for (const uuid of shape.slotUuids) {
      const slot = i.slots.find((s) => s.uuid === uuid);
      if (!slot || slot.state === 'missing')
        return fail('BAD_REQUEST', `Slot ${uuid} is not on this server.`, 'See `ds01 gpu list`.');
      const clash = firstClash(uuid);
      if (clash)
        return fail(
          'NO_CAPACITY',
          `Slot ${uuid} is already booked from ${i.when(clash.from)} to ${i.when(clash.to)} (booking ${clash.id}).`,
          'Pick another time, or cancel that booking first (`ds01 book cancel ID`).',
        );
    }
    return { ok: true, slots: [...new Set(shape.slotUuids)] };
  }

  const free = eligible.filter((s) => !taken(s.uuid));
  if (free.length < shape.count) {
    const what = describe(shape);
    return fail(
      'NO_CAPACITY',
      eligible.length < shape.count
        ? `This server has ${eligible.length} ${what}(s) you may book; ${shape.count} requested.`
        : `Only ${free.length} of ${eligible.length} ${what}(s) are free from ${i.when(i.from)} to ${i.when(i.to)}; ${shape.count} requested.`,
      'See `ds01 book list --all` and `ds01 gpu avail --at TIME` for free times.',
    );
  }
  const picked = [...free].sort(preferForBooking).slice(0, shape.count);
  return { ok: true, slots: picked.map((s) => s.uuid) };
}

function policyRefusal(
  i: BookingCheckInput,
  lengthMs: number,
  eligible: AllocatableSlot[],
): BookingCheck | null {
  const p = i.policy;
  const hours = (ms: number) => `${Math.round((ms / 3_600_000) * 100) / 100}h`;
  if (p.maxHoursPerWeek === 0)
    return fail(
      'FORBIDDEN',
      'Your group may not book GPUs in advance (booking.max_hours_per_week: 0).',
      'Deploy with --queue instead, or ask an admin.',
    );
  if (p.maxLengthMs !== null && lengthMs > p.maxLengthMs)
    return fail(
      'QUOTA_EXCEEDED',
      `A booking may be at most ${hours(p.maxLengthMs)} long; this one is ${hours(lengthMs)}.`,
      `Book ${hours(p.maxLengthMs)} or less (booking.max_length).`,
    );
  if (p.maxAheadMs !== null && i.from - i.now > p.maxAheadMs)
    return fail(
      'QUOTA_EXCEEDED',
      `Bookings may start at most ${hours(p.maxAheadMs)} ahead; ${i.when(i.from)} is further.`,
      'Book a nearer time (booking.max_ahead).',
    );
  const names = profileNames(i.shape, eligible);
  if (p.profiles !== null && (names.length === 0 || !names.every((n) => p.profiles?.includes(n))))
    return fail(
      'FORBIDDEN',
      `Your group may book only ${p.profiles.length ? p.profiles.join(', ') : 'nothing'}; this request could take ${names.join(', ') || 'no slot'}.`,
      p.profiles.length
        ? `Book --mig ${p.profiles.find((x) => x !== 'full') ?? p.profiles[0]}.`
        : 'Ask an admin.',
    );
  const { limits: l, shape } = i;
  if (shape.wholeGpu && !l.allowFullGpu)
    return fail('QUOTA_EXCEEDED', 'Whole GPUs are not allowed for you.', 'Book a MIG slice (--mig PROFILE).');
  if (l.maxGpusPerContainer !== null && shape.count > l.maxGpusPerContainer)
    return fail(
      'QUOTA_EXCEEDED',
      `A container may have at most ${l.maxGpusPerContainer} GPU slot(s); a booking of ${shape.count} could never be used.`,
      `Book at most ${l.maxGpusPerContainer}.`,
    );
  const window = { from: i.from, to: i.to };
  const mine = i.bookings.filter((b) => b.ownerUid === i.ownerUid && !b.maintenance);
  const concurrent = mine.filter((b) => overlaps(b, window)).reduce((n, b) => n + b.slots.length, 0);
  if (l.maxMigInstances !== null && concurrent + shape.count > l.maxMigInstances)
    return fail(
      'QUOTA_EXCEEDED',
      `You already have ${concurrent} slot(s) booked during this window; ${shape.count} more would exceed max_mig_instances ${l.maxMigInstances}.`,
      'Cancel a booking (`ds01 book cancel ID`) or pick another time.',
    );
  const cheapest = eligible
    .map((s) => s.gpuEquivalents)
    .sort((a, b) => a - b)
    .slice(0, shape.count)
    .reduce((n, x) => n + x, 0);
  if (l.maxGpuEquivalents !== null && cheapest > l.maxGpuEquivalents + EPS)
    return fail(
      'QUOTA_EXCEEDED',
      `This booking needs at least ${Math.round(cheapest * 1000) / 1000} GPU-equivalents, over your limit of ${l.maxGpuEquivalents}.`,
      'Book a smaller slice.',
    );
  if (p.maxHoursPerWeek !== null) {
    const own = mine.map((b) => ({ from: b.from, to: b.to, n: b.slots.length }));
    const peak = peakWeeklyHours(own, { ...window, n: shape.count });
    if (peak > p.maxHoursPerWeek + EPS)
      return fail(
        'QUOTA_EXCEEDED',
        `With this booking you would have ${Math.round(peak * 100) / 100} slot-hours booked within 7 days; your group allows ${p.maxHoursPerWeek} (booking.max_hours_per_week).`,
        'Book less time, or cancel a booking you no longer need (`ds01 book list`).',
      );
  }
  return null;
}

/** Smallest slice that fits first (do not book more than asked), then GPU index, MIG index, UUID. */
function preferForBooking(a: AllocatableSlot, b: AllocatableSlot): number {
  const kind = (s: AllocatableSlot) => (s.kind === 'mig' ? 0 : 1);
  if (kind(a) !== kind(b)) return kind(a) - kind(b);
  if (Math.abs(a.gpuEquivalents - b.gpuEquivalents) > EPS) return a.gpuEquivalents - b.gpuEquivalents;
  if (a.gpuIndex !== b.gpuIndex) return a.gpuIndex - b.gpuIndex;
  const ma = a.migDeviceIndex ?? -1;
  const mb = b.migDeviceIndex ?? -1;
  if (ma !== mb) return ma - mb;
  return a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0;
}

function describe(shape: BookingShape): string {
  if (shape.wholeGpu) return 'whole GPU';
  if (shape.profile) return `${shape.profile} slot`;
  return 'GPU slot';
}

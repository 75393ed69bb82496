// Pure slot allocation: quota checks (immediate, specific errors), then placement by strategy with
// deterministic tie-breaks. No I/O and no clock; the caller runs it inside its store transaction.
import type { BookedWindow } from '../booking/types.js';
import { type SlotView, slotView } from '../booking/windows.js';
import type { Limits, PlacementStrategy } from '../policy/types.js';
import { type GroupCaps, groupCheck } from './group-caps.js';
import type { Slot } from './types.js';

export type { GroupCaps };

/** 'busy': available, but a process outside ds01 computes on it (only the allocator's view has it). */
export type SlotState = 'available' | 'drained' | 'missing' | 'busy';

export type AllocatableSlot = Pick<
  Slot,
  'uuid' | 'parentUuid' | 'gpuIndex' | 'kind' | 'profile' | 'migDeviceIndex' | 'gpuEquivalents'
> & { state: SlotState };

/** A live (active or held) allocation. Released ones are not passed in. */
export interface LiveAllocation {
  slotUuid: string;
  ownerUid: number;
  containerId: string;
  state: 'active' | 'held';
  /** Epoch ms when the hold began; null while active. */
  heldSince: number | null;
}

/**
 * What a container asks for: `count` slots of any MIG profile (full GPUs too when allowed and no MIG slot
 * fits), or only `profile`, or only whole GPUs, optionally each of at least `minGpuEquivalents`.
 */
export interface AllocationRequest {
  ownerUid: number;
  count: number;
  profile?: string | null;
  wholeGpu?: boolean;
  minGpuEquivalents?: number | null;
  /** Use this booking's slots (the asker's, in its window); the shape fields are then ignored. */
  bookingId?: number | null;
  /** Take a slot someone booked from a later time, with the container stopped when that booking starts. */
  acceptDeadline?: boolean;
  /** The latest this container may run (now + max_runtime); a booking starting later needs no deadline. */
  endsBy?: number | null;
}

/** Live bookings and the moment they are judged at. */
export interface BookingContext {
  windows: readonly BookedWindow[];
  now: number;
  /** Renders a time for a sentence (default ISO). */
  when?: (t: number) => string;
}

export type AllocationLimits = Pick<
  Limits,
  'maxMigInstances' | 'maxGpuEquivalents' | 'maxGpusPerContainer' | 'allowFullGpu'
>;

export interface OwnerUsage {
  /** Live slots (active + held): holds count against the quota. */
  slots: number;
  gpuEquivalents: number;
}

export interface AllocateInput {
  slots: readonly AllocatableSlot[];
  allocations: readonly LiveAllocation[];
  request: AllocationRequest;
  limits: AllocationLimits;
  strategy: PlacementStrategy;
  /** Defaults to what `allocations` say the owner holds. */
  usage?: OwnerUsage;
  /** Absent: no bookings to honour. */
  bookings?: BookingContext;
  /** Absent: no group caps. */
  groups?: GroupCaps;
}

export type QuotaLimit =
  | 'group_max_gpus'
  | 'max_mig_instances'
  | 'max_gpu_equivalents'
  | 'max_gpus_per_container'
  | 'allow_full_gpu';

export type AllocationResult =
  | {
      ok: true;
      slots: string[];
      gpuEquivalents: number;
      /** Someone's booking starts then on a slot given: the container must stop by then. null = none. */
      deadline: { at: number; bookingId: number } | null;
      /** The asker's own bookings (in their window) these slots come from. */
      usedBookings: number[];
    }
  | {
      ok: false;
      code: 'QUOTA_EXCEEDED';
      limit: QuotaLimit;
      current: number;
      requested: number;
      max: number;
      message: string;
      hint: string;
    }
  | {
      ok: false;
      code: 'NO_CAPACITY';
      message: string;
      hint: string;
      /** Set when the asker's group is at its group_max_gpus: only a member's release helps, not free slots. */
      group?: { name: string; held: number; max: number };
    }
  | { ok: false; code: 'BAD_REQUEST'; message: string; hint: string };

export type AllocationFailure = Exclude<AllocationResult, { ok: true }>;

// Sums of sevenths do not add up exactly in floating point.
const EPS = 1e-9;

export function ownerUsage(
  ownerUid: number,
  slots: readonly AllocatableSlot[],
  allocations: readonly LiveAllocation[],
): OwnerUsage {
  const weight = new Map(slots.map((s) => [s.uuid, s.gpuEquivalents]));
  const own = allocations.filter((a) => a.ownerUid === ownerUid);
  // An allocation whose slot left the inventory still counts as a slot; its weight is unknown (0).
  return {
    slots: own.length,
    gpuEquivalents: own.reduce((sum, a) => sum + (weight.get(a.slotUuid) ?? 0), 0),
  };
}

export function allocate(input: AllocateInput): AllocationResult {
  const { slots, allocations, request, limits, strategy } = input;
  const bad = validate(request);
  if (bad) return bad;
  const usage = input.usage ?? ownerUsage(request.ownerUid, slots, allocations);

  if (request.wholeGpu && !limits.allowFullGpu) {
    return quota('allow_full_gpu', 0, request.count, 0, 'Whole GPUs are not allowed for you.');
  }
  if (limits.maxGpusPerContainer !== null && request.count > limits.maxGpusPerContainer) {
    return quota(
      'max_gpus_per_container',
      0,
      request.count,
      limits.maxGpusPerContainer,
      `A container may have at most ${limits.maxGpusPerContainer} GPU slot(s); you asked for ${request.count}.`,
    );
  }
  if (limits.maxMigInstances !== null && usage.slots + request.count > limits.maxMigInstances) {
    return quota(
      'max_mig_instances',
      usage.slots,
      request.count,
      limits.maxMigInstances,
      `You hold ${usage.slots} GPU slot(s) (running or held); ${request.count} more would exceed your limit of ${limits.maxMigInstances}.`,
    );
  }

  const groupFull = input.groups ? groupCheck(input.groups, request, allocations) : null;
  if (groupFull) return groupFull;

  const booked = request.bookingId != null ? bookingSlots(input) : null;
  if (booked && !('slots' in booked)) return booked;
  const eligible = booked
    ? slots.filter((s) => booked.slots.includes(s.uuid))
    : slots.filter((s) => matches(s, request, limits.allowFullGpu));
  if (eligible.length < request.count) {
    const withFull = slots.filter((s) => matches(s, request, true));
    if (!limits.allowFullGpu && withFull.length >= request.count) {
      return quota(
        'allow_full_gpu',
        0,
        request.count,
        0,
        'Only whole GPUs would fit this request, and they are not allowed for you.',
      );
    }
    return badRequest(request, slots, eligible.length);
  }

  // The cheapest possible answer decides the equivalents quota, whatever is free right now.
  const cheapest = sumSmallest(
    eligible.map((s) => s.gpuEquivalents),
    request.count,
  );
  const maxEq = limits.maxGpuEquivalents;
  if (maxEq !== null && usage.gpuEquivalents + cheapest > maxEq + EPS) {
    return quota(
      'max_gpu_equivalents',
      round(usage.gpuEquivalents),
      round(cheapest),
      maxEq,
      `You hold ${round(usage.gpuEquivalents)} GPU-equivalents; this request needs at least ${round(cheapest)} more, over your limit of ${maxEq}.`,
    );
  }

  const taken = new Set(allocations.map((a) => a.slotUuid));
  const unheld = eligible.filter((s) => s.state === 'available' && !taken.has(s.uuid));
  const views = new Map(unheld.map((s) => [s.uuid, viewOf(s.uuid, input)]));
  const usable = (v: SlotView) =>
    v.kind === 'free' ||
    v.kind === 'mine' ||
    (v.kind === 'until' &&
      (request.acceptDeadline === true || (request.endsBy != null && request.endsBy <= v.at)));
  const free = unheld.filter((s) => usable(views.get(s.uuid) as SlotView));
  const budget = maxEq === null ? Number.POSITIVE_INFINITY : maxEq - usage.gpuEquivalents;
  // The asker's own booked slots first, then slots no booking touches, then the latest deadline.
  const rank = (s: AllocatableSlot) => {
    const v = views.get(s.uuid) as SlotView;
    return v.kind === 'mine' ? -2 : v.kind === 'until' ? Number.MAX_SAFE_INTEGER - v.at : -1;
  };
  const picked = place(free, slots, allocations, request.count, budget, strategy, rank);
  if (!picked) return noCapacity(input, unheld, views, free.length);
  let deadline: { at: number; bookingId: number } | null = null;
  const usedBookings = new Set<number>();
  for (const s of picked) {
    const v = views.get(s.uuid) as SlotView;
    if (v.kind === 'mine') usedBookings.add(v.booking.id);
    // The booker's own window ends where the next booker's begins: that deadline comes with it.
    const next = v.kind === 'until' ? v.booking : v.kind === 'mine' ? v.next : null;
    if (
      next &&
      (request.endsBy == null || request.endsBy > next.from) &&
      (!deadline || next.from < deadline.at)
    )
      deadline = { at: next.from, bookingId: next.id };
  }
  return {
    ok: true,
    slots: picked.map((s) => s.uuid),
    gpuEquivalents: picked.reduce((n, s) => n + s.gpuEquivalents, 0),
    deadline,
    usedBookings: [...usedBookings].sort((a, b) => a - b),
  };
}

function viewOf(uuid: string, input: AllocateInput): SlotView {
  const b = input.bookings;
  return b ? slotView(uuid, input.request.ownerUid, b.windows, b.now) : { kind: 'free' };
}

/** `--booking ID`: the asker's booking, in its window now; its slots are the only candidates. */
function bookingSlots(input: AllocateInput): { slots: readonly string[] } | AllocationFailure {
  const { request: r, bookings: ctx } = input;
  const b = ctx?.windows.find((w) => w.id === r.bookingId);
  const hint = 'See `ds01 book list` for your bookings and their windows.';
  if (!ctx || !b || b.ownerUid !== r.ownerUid || b.maintenance)
    return { ok: false, code: 'BAD_REQUEST', message: `You have no live booking ${r.bookingId}.`, hint };
  const when = ctx.when ?? ((t: number) => new Date(t).toISOString());
  if (ctx.now < b.from || ctx.now >= b.to)
    return {
      ok: false,
      code: 'BAD_REQUEST',
      message: `Booking ${b.id} is for ${when(b.from)} to ${when(b.to)}; it is not in its window now.`,
      hint,
    };
  return { slots: b.slots };
}

function noCapacity(
  input: AllocateInput,
  unheld: AllocatableSlot[],
  views: Map<string, SlotView>,
  usable: number,
): AllocationFailure {
  const { request } = input;
  const when = input.bookings?.when ?? ((t: number) => new Date(t).toISOString());
  const later = unheld
    .map((s) => views.get(s.uuid) as SlotView)
    .filter((v): v is Extract<SlotView, { kind: 'until' }> => v.kind === 'until')
    .sort((a, b) => b.at - a.at);
  const blocked = unheld.filter((s) => views.get(s.uuid)?.kind === 'blocked').length;
  const first = later[0];
  if (first && !request.acceptDeadline && usable + later.length >= request.count) {
    return {
      ok: false,
      code: 'NO_CAPACITY',
      message: `No free ${describe(request)} you could keep: ${later.length} free now ${later.length === 1 ? 'is' : 'are'} booked by someone from ${when(first.at)}.`,
      hint: `Add --accept-deadline to run until ${when(first.at)} (you are warned, then stopped), or --queue to wait.`,
    };
  }
  const held = request.bookingId != null ? ' (your booked slot is still being freed)' : '';
  return {
    ok: false,
    code: 'NO_CAPACITY',
    message: `No free ${describe(request)} right now (${usable} free, ${request.count} needed${blocked ? `; ${blocked} booked by someone now` : ''})${held}.`,
    hint: 'Run the same command with --queue to wait; it starts by itself when a slot frees up.',
  };
}

function validate(r: AllocationRequest): AllocationFailure | null {
  const fail = (message: string): AllocationFailure => ({
    ok: false,
    code: 'BAD_REQUEST',
    message,
    hint: 'Ask for a number of GPU slots, a MIG profile (e.g. 3g.40gb), or whole GPUs.',
  });
  if (!Number.isInteger(r.count) || r.count < 1)
    return fail(`GPU count must be a whole number ≥ 1, got ${r.count}.`);
  if (r.profile && r.wholeGpu) return fail('Ask for either a MIG profile or whole GPUs, not both.');
  const min = r.minGpuEquivalents;
  if (min !== undefined && min !== null && !(min > 0 && min <= 1)) {
    return fail(`GPU-equivalents per slot must be in (0, 1], got ${min}.`);
  }
  return null;
}

function matches(s: AllocatableSlot, r: AllocationRequest, fullAllowed: boolean): boolean {
  if (r.wholeGpu) return s.kind === 'full';
  if (r.profile) return s.kind === 'mig' && s.profile === r.profile;
  if (s.kind === 'full' && !fullAllowed) return false;
  return s.gpuEquivalents + EPS >= (r.minGpuEquivalents ?? 0);
}

/**
 * Greedy placement in preference order that never paints itself into a corner: a slot is taken only if
 * the cheapest completion from the remaining free slots still fits the equivalents budget.
 */
function place(
  free: AllocatableSlot[],
  all: readonly AllocatableSlot[],
  allocations: readonly LiveAllocation[],
  count: number,
  budget: number,
  strategy: PlacementStrategy,
  rank: (s: AllocatableSlot) => number = () => 0,
): AllocatableSlot[] | null {
  if (free.length < count) return null;
  const weight = new Map(all.map((s) => [s.uuid, s.gpuEquivalents]));
  const load = new Map<string, number>();
  const parentOf = new Map(all.map((s) => [s.uuid, s.parentUuid]));
  for (const a of allocations) {
    const parent = parentOf.get(a.slotUuid);
    if (parent) load.set(parent, (load.get(parent) ?? 0) + (weight.get(a.slotUuid) ?? 0));
  }
  const picked: AllocatableSlot[] = [];
  let remaining = [...free];
  let left = budget;
  while (picked.length < count) {
    const need = count - picked.length - 1;
    const ordered = [...remaining].sort((a, b) => rank(a) - rank(b) || prefer(a, b, load, strategy));
    const next = ordered.find((s) => {
      const rest = remaining.filter((o) => o !== s).map((o) => o.gpuEquivalents);
      return s.gpuEquivalents + sumSmallest(rest, need) <= left + EPS;
    });
    if (!next) return null;
    picked.push(next);
    left -= next.gpuEquivalents;
    load.set(next.parentUuid, (load.get(next.parentUuid) ?? 0) + next.gpuEquivalents);
    remaining = remaining.filter((s) => s !== next);
  }
  return picked;
}

/**
 * Preference: MIG slices before whole GPUs, smallest slice that satisfies the request (do not hand out
 * more than asked), then the strategy on the parent GPU's allocated equivalents ('spread': least first,
 * 'pack': most first), then GPU index, MIG device index, UUID.
 */
function prefer(
  a: AllocatableSlot,
  b: AllocatableSlot,
  load: Map<string, number>,
  strategy: PlacementStrategy,
) {
  const kind = (s: AllocatableSlot) => (s.kind === 'mig' ? 0 : 1);
  if (kind(a) !== kind(b)) return kind(a) - kind(b);
  if (Math.abs(a.gpuEquivalents - b.gpuEquivalents) > EPS) return a.gpuEquivalents - b.gpuEquivalents;
  const la = load.get(a.parentUuid) ?? 0;
  const lb = load.get(b.parentUuid) ?? 0;
  if (Math.abs(la - lb) > EPS) return strategy === 'spread' ? la - lb : lb - la;
  if (a.gpuIndex !== b.gpuIndex) return a.gpuIndex - b.gpuIndex;
  const ma = a.migDeviceIndex ?? -1;
  const mb = b.migDeviceIndex ?? -1;
  if (ma !== mb) return ma - mb;
  return a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0;
}

function sumSmallest(values: number[], n: number): number {
  return [...values]
    .sort((a, b) => a - b)
    .slice(0, n)
    .reduce((sum, v) => sum + v, 0);
}

function quota(
  limit: QuotaLimit,
  current: number,
  requested: number,
  max: number,
  message: string,
): AllocationFailure {
  const hint =
    limit === 'allow_full_gpu'
      ? 'Ask for a MIG slice instead (e.g. --gpus 1), or ask an admin for allow_full_gpu.'
      : limit === 'max_gpus_per_container'
        ? `Ask for at most ${max} slot(s) per container, or ask an admin to raise ${limit}.`
        : `Stop or retire a container you no longer need (held slots count too), or ask an admin to raise ${limit}.`;
  return { ok: false, code: 'QUOTA_EXCEEDED', limit, current, requested, max, message, hint };
}

function badRequest(
  r: AllocationRequest,
  slots: readonly AllocatableSlot[],
  found: number,
): AllocationFailure {
  const profiles = [...new Set(slots.filter((s) => s.profile).map((s) => s.profile))].sort();
  return {
    ok: false,
    code: 'BAD_REQUEST',
    message: `This host has ${found} ${describe(r)}${found === 1 ? '' : 's'} in total; ${r.count} requested.`,
    hint: profiles.length
      ? `MIG profiles on this host: ${profiles.join(', ')}.`
      : 'This host has no MIG slices; see `ds01 gpu list`.',
  };
}

function describe(r: AllocationRequest): string {
  if (r.wholeGpu) return 'whole GPU';
  if (r.profile) return `${r.profile} slot`;
  if (r.minGpuEquivalents) return `GPU slot of ≥ ${round(r.minGpuEquivalents)} GPU-equivalents`;
  return 'GPU slot';
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

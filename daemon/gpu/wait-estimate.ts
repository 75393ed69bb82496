// THE wait estimate: `gpu-queue`, the dashboard's ETA and `gpu-avail`'s "next free" all come from here, so
// they agree at the same moment. Honest when it cannot know: a slot held without a deadline (no
// max_runtime, a hold until removal) gives "unknown: no deadline", and a request the user's own quota
// blocks gives "unknown" with that reason rather than a time no release would make true. Pure.
import type { WaitEstimateView } from '../api/types/gpus.js';
import type { AllocatableSlot, AllocationLimits, AllocationRequest, LiveAllocation } from './allocator.js';
import { allocate } from './allocator.js';
import { estimateServeAt, type SlotOutlook } from './queue-plan.js';

/** Why a slot frees when it does. */
export type FreeBasis = 'free' | 'hold' | 'max_runtime' | 'none';

export type WaitEstimate =
  | { kind: 'now' }
  | { kind: 'at'; at: number; basis: 'hold' | 'max_runtime' }
  | { kind: 'unknown'; why: string };

export interface WaitInput {
  /** Each slot and when it frees (`basis` says why; absent = inferred from freeAt). */
  outlook: readonly (SlotOutlook & { basis?: FreeBasis })[];
  request: Pick<AllocationRequest, 'count' | 'profile' | 'wholeGpu'>;
  /** Slots the requests ahead of this one will take first. */
  slotsAhead: number;
  now: number;
  /** The asker's limits: whole GPUs they may not use are not capacity for them. */
  limits?: Pick<AllocationLimits, 'allowFullGpu'>;
  /** Set when the asker's own quota blocks the request whatever frees up (e.g. "max_mig_instances: …"). */
  quotaBlock?: string | null;
}

export function estimateWait(input: WaitInput): WaitEstimate {
  if (input.quotaBlock) return { kind: 'unknown', why: input.quotaBlock };
  const fullOk = input.limits?.allowFullGpu ?? true;
  const usable = input.outlook.filter((o) => fullOk || o.slot.kind !== 'full' || input.request.wholeGpu);
  if (!usable.some((o) => servesShape(o.slot, input.request, fullOk))) {
    return { kind: 'unknown', why: 'no slot of this kind on this server' };
  }
  const at = estimateServeAt(usable, input.request, input.slotsAhead, input.now);
  if (at === null) return { kind: 'unknown', why: 'no deadline' };
  if (at <= input.now) return { kind: 'now' };
  // The slot that frees last among those needed decides the time; say what kind of deadline it is.
  const decider = usable.find((o) => o.freeAt === at);
  const basis = decider?.basis === 'max_runtime' ? 'max_runtime' : 'hold';
  return { kind: 'at', at, basis };
}

function servesShape(
  s: AllocatableSlot,
  r: Pick<AllocationRequest, 'profile' | 'wholeGpu'>,
  fullOk: boolean,
): boolean {
  if (s.state !== 'available') return false;
  if (r.wholeGpu) return s.kind === 'full';
  if (r.profile) return s.kind === 'mig' && s.profile === r.profile;
  return s.kind === 'mig' || fullOk;
}

/**
 * Whether the owner's own quota blocks the request whatever others release: the allocator over every slot,
 * with only the owner's own allocations counted. Returns the limit's message, or null.
 */
export function ownQuotaBlock(
  slots: readonly AllocatableSlot[],
  allocations: readonly LiveAllocation[],
  request: AllocationRequest,
  limits: AllocationLimits,
): string | null {
  const own = allocations.filter((a) => a.ownerUid === request.ownerUid);
  const r = allocate({
    slots: slots.map((s) => ({ ...s, state: 'available' as const })),
    allocations: own,
    request,
    limits,
    strategy: 'pack',
  });
  if (r.ok || r.code !== 'QUOTA_EXCEEDED') return null;
  return `${r.limit}: ${r.message}`;
}

/** The wire form: `at` as ISO time, `why` the basis or the reason. */
export function toView(e: WaitEstimate): WaitEstimateView {
  if (e.kind === 'now') return { kind: 'now', at: null, why: null };
  if (e.kind === 'at') return { kind: 'at', at: new Date(e.at).toISOString(), why: e.basis };
  return { kind: 'unknown', at: null, why: e.why };
}

const EPS = 1e-9;
const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** What the asker holds now (live slots, GPU-equivalents): held slots count, like the allocator's quota. */
export interface Holding {
  slots: number;
  gpuEquivalents: number;
}

/**
 * How many slots of one kind the asker could take now: the free ones, within whole-GPU permission, the
 * slot count and the GPU-equivalents cap. `binding` names the limit when it, not the free count, decides.
 */
export function canGetOfKind(
  kind: { kind: 'full' | 'mig'; gpuEquivalents: number; free: number },
  limits: Pick<AllocationLimits, 'allowFullGpu' | 'maxMigInstances' | 'maxGpuEquivalents'>,
  holding: Holding,
  group: GroupHolding | null = null,
): { canGet: number; atOnce: number | null; binding: string | null } {
  if (kind.kind === 'full' && !limits.allowFullGpu) {
    return { canGet: 0, atOnce: 0, binding: 'allow_full_gpu: no (whole GPUs are not for you)' };
  }
  const bySlots =
    limits.maxMigInstances === null
      ? Number.POSITIVE_INFINITY
      : Math.max(0, limits.maxMigInstances - holding.slots);
  const byEq =
    limits.maxGpuEquivalents === null
      ? Number.POSITIVE_INFINITY
      : Math.max(
          0,
          Math.floor((limits.maxGpuEquivalents - holding.gpuEquivalents + EPS) / kind.gpuEquivalents),
        );
  const byGroup = group ? groupLeft(group) : Number.POSITIVE_INFINITY;
  const quota = Math.min(bySlots, byEq, byGroup);
  const canGet = Math.min(kind.free, quota);
  const atOnce = Number.isFinite(quota) ? quota : null;
  if (quota >= Math.max(kind.free, 1)) return { canGet, atOnce, binding: null };
  const binding =
    group && byGroup <= Math.min(bySlots, byEq)
      ? groupBinding(group)
      : byEq <= bySlots
        ? `max_gpu_equivalents ${limits.maxGpuEquivalents} (you hold ${round3(holding.gpuEquivalents)}; one is ${round3(kind.gpuEquivalents)})`
        : `max_mig_instances ${limits.maxMigInstances} (you hold ${holding.slots})`;
  return { canGet, atOnce, binding };
}

/** The asker's policy group under `group_max_gpus`: slots all its members hold now, and the cap. */
export interface GroupHolding {
  name: string;
  held: number;
  max: number;
}

/** Slots the asker's group may still take together. */
export const groupLeft = (g: GroupHolding): number => Math.max(0, g.max - g.held);

export const groupBinding = (g: GroupHolding): string =>
  `group_max_gpus ${g.max} (your group ${g.name} holds ${g.held})`;

/**
 * How many more slots the asker could take now in all: free slots they may use, cheapest first (which
 * maximises the count), within the slot count and GPU-equivalents left.
 */
export function canGetNow(
  freeUsable: readonly number[],
  slotsLeft: number | null,
  gpuEquivalentsLeft: number | null,
): number {
  let n = 0;
  let eq = 0;
  for (const w of [...freeUsable].sort((a, b) => a - b)) {
    if (slotsLeft !== null && n >= slotsLeft) break;
    if (gpuEquivalentsLeft !== null && eq + w > gpuEquivalentsLeft + EPS) break;
    n++;
    eq += w;
  }
  return n;
}

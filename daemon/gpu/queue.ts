// Pure queue decisions: who is next, what freed capacity goes where, which held slots to give back.
import type { PlacementStrategy } from '../policy/types.js';
import {
  type AllocatableSlot,
  type AllocationLimits,
  type AllocationRequest,
  allocate,
  type BookingContext,
  type GroupCaps,
  type LiveAllocation,
} from './allocator.js';

export interface QueueEntry {
  id: string;
  ownerUid: number;
  /** From the owner's Limits; higher is served first. */
  priority: number;
  /** Epoch ms. */
  enqueuedAt: number;
  /** When the owner last held a GPU (epoch ms); null = never, which ranks first. */
  lastGpuUsageAt: number | null;
  request: AllocationRequest;
}

export interface QueueAssignment {
  entryId: string;
  ownerUid: number;
  slots: string[];
}

/** Priority (desc), then least recent GPU usage, then arrival, then id. */
export function orderQueue(entries: readonly QueueEntry[]): QueueEntry[] {
  const usage = (e: QueueEntry) => e.lastGpuUsageAt ?? Number.NEGATIVE_INFINITY;
  return [...entries].sort(
    (a, b) =>
      b.priority - a.priority ||
      usage(a) - usage(b) ||
      a.enqueuedAt - b.enqueuedAt ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/**
 * The bound on overtaking: an entry that has waited `maxWaitMs` (by `now`) and still does not fit for lack
 * of capacity is starving; from then on later entries may not take any slot it could use, so the capacity it
 * needs accumulates for it as holders leave. null = no bound (pure backfill).
 */
export interface OvertakeBound {
  now: number;
  maxWaitMs: number | null;
}

/**
 * Gives free capacity to queued requests in queue order. An entry that does not fit (too big for what is
 * free, or over its owner's quota right now) is skipped, so it does not block a later entry that fits
 * (backfill). Backfill alone lets small requests overtake a large head forever, so once the first entry
 * short of capacity has waited past `bound.maxWaitMs`, the slots its shape could use are reserved for it:
 * later entries may only take slots it could not use. Quota-blocked entries reserve nothing (freeing
 * capacity would not help them), nor do entries whose group is at its group_max_gpus. One pass is enough: serving an entry only removes free slots and adds
 * usage, so a skipped entry cannot start fitting later in the same pass. Entries whose owner has no limits
 * in `limitsByUser` are left waiting.
 */
export function serveQueue(
  slots: readonly AllocatableSlot[],
  allocations: readonly LiveAllocation[],
  queue: readonly QueueEntry[],
  limitsByUser: ReadonlyMap<number, AllocationLimits>,
  strategy: PlacementStrategy,
  bound: OvertakeBound = { now: 0, maxWaitMs: null },
  bookings?: BookingContext,
  groups?: GroupCaps,
): QueueAssignment[] {
  const live = [...allocations];
  const assignments: QueueAssignment[] = [];
  let open = slots;
  let reserved = false;
  for (const entry of orderQueue(queue)) {
    const limits = limitsByUser.get(entry.ownerUid);
    if (!limits) continue;
    // Usage is counted over every slot, so hiding reserved slots never loosens the owner's quota.
    const usage = reserved ? usageOf(entry.ownerUid, slots, live) : undefined;
    const result = allocate({
      slots: open,
      allocations: live,
      request: entry.request,
      limits,
      strategy,
      usage,
      ...(bookings ? { bookings } : {}),
      ...(groups ? { groups } : {}),
    });
    if (!result.ok) {
      // Group-capped entries reserve nothing either: free slots do not help them, a member's release does.
      if (!reserved && result.code === 'NO_CAPACITY' && !result.group && isStarving(entry, bound)) {
        reserved = true;
        open = slots.filter((s) => !slotServes(s, entry.request));
      }
      continue;
    }
    assignments.push({ entryId: entry.id, ownerUid: entry.ownerUid, slots: result.slots });
    for (const slotUuid of result.slots) {
      live.push({
        slotUuid,
        ownerUid: entry.ownerUid,
        containerId: `queue:${entry.id}`,
        state: 'active',
        heldSince: null,
      });
    }
  }
  return assignments;
}

/** Whether an entry has waited past the overtaking bound. */
export function isStarving(entry: QueueEntry, bound: OvertakeBound): boolean {
  return bound.maxWaitMs !== null && bound.now - entry.enqueuedAt >= bound.maxWaitMs;
}

/** Whether a slot could serve a request (same shape rules as the allocator, without quotas). */
export function slotServes(
  s: AllocatableSlot,
  r: Pick<AllocationRequest, 'profile' | 'wholeGpu'>,
  fullOk = true,
) {
  if (s.state === 'missing') return false;
  if (r.wholeGpu) return s.kind === 'full';
  if (r.profile) return s.kind === 'mig' && s.profile === r.profile;
  return s.kind === 'mig' || fullOk;
}

/** One user's current slot count and GPU-equivalents, over all slots. */
export function usageOf(
  uid: number,
  slots: readonly AllocatableSlot[],
  allocations: readonly LiveAllocation[],
) {
  const weight = new Map(slots.map((s) => [s.uuid, s.gpuEquivalents]));
  const own = allocations.filter((a) => a.ownerUid === uid);
  return { slots: own.length, gpuEquivalents: own.reduce((n, a) => n + (weight.get(a.slotUuid) ?? 0), 0) };
}

/** Held allocations to release when users are queued: longest-held first (ties by slot UUID). */
export function chooseHeldToRelease(held: readonly LiveAllocation[], needed: number): LiveAllocation[] {
  return held
    .filter((a) => a.state === 'held')
    .sort(
      (a, b) =>
        (a.heldSince ?? Number.POSITIVE_INFINITY) - (b.heldSince ?? Number.POSITIVE_INFINITY) ||
        (a.slotUuid < b.slotUuid ? -1 : a.slotUuid > b.slotUuid ? 1 : 0),
    )
    .slice(0, Math.max(0, needed));
}

// Pure queue planning beyond "who fits now" (queue.ts): which held slots to give back so the head of the
// queue can run, and how long a queued request is likely to wait. No I/O, no clock.
import type { PlacementStrategy } from '../policy/types.js';
import {
  type AllocatableSlot,
  type AllocationLimits,
  type AllocationRequest,
  allocate,
  type GroupCaps,
  type LiveAllocation,
} from './allocator.js';
import { chooseHeldToRelease, orderQueue, type QueueEntry, slotServes, usageOf } from './queue.js';

export { slotServes };

export interface HeldReleasePlan {
  entryId: string;
  /** Held allocations to release (longest-held first), only those the entry will actually use. */
  release: LiveAllocation[];
}

/**
 * With nothing free for anyone queued: the first entry in queue order that would fit if held slots were
 * released, longest-held first, and the held allocations it needs. Quota and bad requests are not fixed by
 * releasing someone else's hold, so only NO_CAPACITY entries are considered. Null when releasing holds
 * helps no one.
 */
export function planHeldReleases(
  slots: readonly AllocatableSlot[],
  allocations: readonly LiveAllocation[],
  queue: readonly QueueEntry[],
  limitsByUser: ReadonlyMap<number, AllocationLimits>,
  strategy: PlacementStrategy,
  groups?: GroupCaps,
): HeldReleasePlan | null {
  const held = chooseHeldToRelease(allocations, allocations.length);
  if (!held.length) return null;
  for (const entry of orderQueue(queue)) {
    const limits = limitsByUser.get(entry.ownerUid);
    if (!limits) continue;
    const now = allocate({
      slots,
      allocations,
      request: entry.request,
      limits,
      strategy,
      ...(groups ? { groups } : {}),
    });
    // A group at its cap is not helped by releasing others' holds.
    if (now.ok || now.code !== 'NO_CAPACITY' || now.group) continue;
    // Release the longest-held one at a time until the entry fits; keep only the slots it takes.
    for (let k = 1; k <= held.length; k++) {
      const gone = new Set(held.slice(0, k));
      const rest = allocations.filter((a) => !gone.has(a));
      // The entry's owner's usage must not shrink by releasing their own hold: keep the quota honest.
      const r = allocate({
        slots,
        allocations: rest,
        request: entry.request,
        limits,
        strategy,
        usage: usageOf(entry.ownerUid, slots, allocations),
      });
      if (r.ok) {
        const used = new Set(r.slots);
        return { entryId: entry.id, release: held.slice(0, k).filter((a) => used.has(a.slotUuid)) };
      }
      if (r.code !== 'NO_CAPACITY') break;
    }
  }
  return null;
}

/** When each slot is expected to be free: 0 = free now; null = not foreseeable (no deadline). */
export interface SlotOutlook {
  slot: AllocatableSlot;
  freeAt: number | null;
}

/**
 * A rough wait: the queue entries ahead (of any shape) take the earliest-freeing slots first, then this
 * request needs `count` more of the slots that fit it. Returns the epoch ms at which it should be served
 * (`now` when it fits already), or null when the deadlines in force do not reach that far (holds until
 * removal, no max_runtime).
 */
export function estimateServeAt(
  outlook: readonly SlotOutlook[],
  request: Pick<AllocationRequest, 'count' | 'profile' | 'wholeGpu'>,
  slotsAhead: number,
  now: number,
): number | null {
  const times = outlook
    .filter((o) => slotServes(o.slot, request) && o.slot.state !== 'drained')
    .map((o) => (o.freeAt === null ? Number.POSITIVE_INFINITY : Math.max(o.freeAt, now)))
    .sort((a, b) => a - b);
  const t = times[slotsAhead + request.count - 1];
  return t === undefined || !Number.isFinite(t) ? null : t;
}

// Pure queue decisions: who is next, what freed capacity goes where, which held slots to give back.
import type { PlacementStrategy } from '../policy/types.js';
import {
  type AllocatableSlot,
  type AllocationLimits,
  type AllocationRequest,
  allocate,
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
 * Gives free capacity to queued requests in queue order. An entry that does not fit (too big for what is
 * free, or over its owner's quota right now) is skipped, so it never blocks a later entry that fits: no
 * free slot stays idle while a request it fits is queued. One pass is enough: serving an entry only removes
 * free slots and adds usage, so a skipped entry cannot start fitting later in the same pass. The price is
 * that a large request at the head can be overtaken indefinitely by small ones (no reservation yet).
 * Entries whose owner has no limits in `limitsByUser` are left waiting.
 */
export function serveQueue(
  slots: readonly AllocatableSlot[],
  allocations: readonly LiveAllocation[],
  queue: readonly QueueEntry[],
  limitsByUser: ReadonlyMap<number, AllocationLimits>,
  strategy: PlacementStrategy,
): QueueAssignment[] {
  const live = [...allocations];
  const assignments: QueueAssignment[] = [];
  for (const entry of orderQueue(queue)) {
    const limits = limitsByUser.get(entry.ownerUid);
    if (!limits) continue;
    const result = allocate({ slots, allocations: live, request: entry.request, limits, strategy });
    if (!result.ok) continue;
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

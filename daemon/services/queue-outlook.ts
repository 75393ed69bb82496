// When each GPU slot should be free, and why then: the GPU queue's wait estimates and gpu-avail read it.

import type { SlotOutlook } from '../gpu/queue-plan.js';
import type { FreeBasis } from '../gpu/wait-estimate.js';
import type { Store } from '../store/index.js';
import { type GpuLeases, toAllocatable } from './gpu-leases.js';

/** Each slot as the allocator reads it, with when it frees: now, a hold deadline, or its container's max_runtime end. */
export function slotOutlook(
  store: Store,
  leases: GpuLeases,
  now: number,
): (SlotOutlook & { basis: FreeBasis })[] {
  const live = new Map(store.allocations.live().map((a) => [a.slot_uuid, a]));
  return store.slots.all().map((s) => {
    const a = live.get(s.uuid);
    // As the allocator reads it: a slot kept out by use outside ds01 or its GPU's health is 'busy'.
    const blocked = s.state === 'available' && (s.unmanaged_blocks === 1 || s.health_blocks === 1);
    const slot = blocked ? { ...toAllocatable(s), state: 'busy' as const } : toAllocatable(s);
    if (!a) return { slot, freeAt: 0, basis: 'free' as const };
    const freeAt =
      a.state === 'held' ? a.hold_until : runtimeEnd(store, leases, a.container_id, a.owner_uid, now);
    const basis: FreeBasis = freeAt === null ? 'none' : a.state === 'held' ? 'hold' : 'max_runtime';
    return { slot, freeAt, basis };
  });
}

function runtimeEnd(
  store: Store,
  leases: GpuLeases,
  containerId: string | null,
  uid: number,
  now: number,
): number | null {
  if (!containerId) return null;
  const c = store.containers.get(containerId);
  if (!c || c.started_at === null) return null;
  const max = leases.limitsNow(uid, c.owner_name).maxRuntimeMs;
  if (max === null) return null;
  // runtime_ms is what earlier runs used; this run started at started_at.
  return Math.max(now, c.started_at + (max - c.runtime_ms));
}

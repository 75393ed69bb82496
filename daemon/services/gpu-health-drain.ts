// Draining a GPU for its health (a fatal Xid, a fatal -q -x condition, a GPU failing for UNHEALTHY_PROBES
// probes): every slot not yet drained gets the reason, each holder is told (gpu.drained_in_use, their
// `gpu.problem` topic), and one gpu.drained event by ds01d goes to the admins' `health` channels. Inside
// the probe's transaction. Admins undrain (`ds01 gpu undrain N --reason …`).
import type { Audit } from '../store/audit.js';
import type { Store } from '../store/index.js';

export interface HealthDrain {
  gpuUuid: string;
  /** The drain reason shown in gpu list, doctor and the dashboard. */
  reason: string;
  /** What went wrong, as the holders read it ("reported Xid 79: …", "vanished"). */
  told: string;
  data: Record<string, unknown>;
}

/** True when it drained something. */
export function drainForHealth(store: Store, audit: Audit, d: HealthDrain, now: number): boolean {
  const slots = store.slots.all().filter((s) => s.parent_uuid === d.gpuUuid && !s.drained);
  if (slots.length === 0) return false;
  for (const s of slots) {
    store.slots.setDrained(s.uuid, true, d.reason);
    const a = store.allocations.liveForSlot(s.uuid);
    if (!a) continue;
    const c = a.container_id ? store.containers.get(a.container_id) : undefined;
    audit.byDaemon(
      'gpu.drained_in_use',
      { subjectUid: a.owner_uid, containerId: a.container_id, containerName: c?.name ?? null },
      `the GPU your container uses ${d.told}; it may have failed. Save your work and redeploy: ds01 will place it on a healthy GPU`,
      { slot: s.uuid, ...d.data },
      now,
    );
  }
  audit.byDaemon(
    'gpu.drained',
    { subjectUid: null },
    d.reason,
    { ref: d.gpuUuid, slots: slots.map((s) => s.uuid), ...d.data },
    now,
  );
  return true;
}

// Telling the holder of a slice that a MIG change removes: a notice (shown at their next ds01 command and
// login), a `mig.holder_warned` event (which the notifier routes to their `stop.warning` topic), and, after
// the transaction, their open terminals. A reminder at a warning point is sent once (the notice's key).
import { localWhen } from '../../common/when.js';
import type { AllocationRow } from '../../store/allocations.js';
import type { Audit } from '../../store/audit.js';
import type { Store } from '../../store/index.js';
import type { MigChangeRow } from '../../store/mig-changes.js';

export interface Told {
  uid: number;
  name: string;
  text: string;
}

/** The first word to a holder, when the GPU is drained. Call inside a transaction. */
export function warnHolder(
  store: Store,
  audit: Audit,
  c: MigChangeRow,
  a: AllocationRow,
  now: number,
): Told | null {
  const row = a.container_id ? store.containers.get(a.container_id) : undefined;
  const slot = store.slots.get(a.slot_uuid);
  const text =
    `ds01: GPU ${c.gpu_index} is being re-partitioned (MIG layout change #${c.id}, by ${c.requested_by}). ` +
    `The ${slot?.profile ?? 'GPU'} slice your container ${row?.project ?? '(being deployed)'} holds will be removed: ` +
    `stop it before ${localWhen(c.deadline)}, or ds01 stops it then (your workspace is kept). ` +
    'Deploy again afterwards to get a slice of the new layout.';
  return tell(store, audit, c, a, text, null, now);
}

/** A reminder at warning point `pointMs` before the deadline; null when it was sent already. */
export function remindHolder(
  store: Store,
  audit: Audit,
  c: MigChangeRow,
  a: AllocationRow,
  pointMs: number,
  now: number,
): Told | null {
  const row = a.container_id ? store.containers.get(a.container_id) : undefined;
  if (!row) return null;
  const text =
    `ds01: reminder: GPU ${c.gpu_index} is being re-partitioned (MIG change #${c.id}); your container ` +
    `${row.project} is stopped at ${localWhen(c.deadline)} unless you stop it first. Your workspace is kept.`;
  return tell(store, audit, c, a, text, pointMs, now);
}

function tell(
  store: Store,
  audit: Audit,
  c: MigChangeRow,
  a: AllocationRow,
  text: string,
  pointMs: number | null,
  now: number,
): Told | null {
  const row = a.container_id ? store.containers.get(a.container_id) : undefined;
  if (row) {
    const fresh = store.notices.add({
      uid: row.owner_uid,
      container_id: row.id,
      container_name: row.name,
      kind: 'action',
      deadline_key: pointMs === null ? null : `mig:${c.id}:${c.deadline}`, // a moved deadline reminds anew
      point_ms: pointMs,
      deadline_at: pointMs === null ? null : c.deadline,
      message: text,
      created_at: now,
    });
    if (!fresh) return null;
  }
  audit.byDaemon(
    'mig.holder_warned',
    { subjectUid: a.owner_uid, containerId: a.container_id, containerName: row?.name ?? null },
    text.replace(/^ds01: /, ''),
    { change: c.id, slot: a.slot_uuid, deadline: new Date(c.deadline).toISOString(), pointMs },
    now,
  );
  return row ? { uid: row.owner_uid, name: row.owner_name, text } : null;
}

// The chaos suite's ground-truth checks (issue 20), PURE: Docker's view and the store's rows in, the
// violations out. Called after each fault once the load has drained and the reconcile window has passed.

/** A ds01-labelled container as Docker reports it (inspect: DeviceRequests). */
export interface DockerContainer {
  id: string;
  name: string;
  running: boolean;
  deviceIds: string[];
}

export interface StoreSnapshot {
  containers: { id: string; name: string; removed_at: number | null }[];
  allocations: {
    id: number;
    slot_uuid: string;
    container_id: string | null;
    state: string;
    allocated_at: number;
  }[];
  queue: { id: number; state: string; container_id: string | null }[];
  events: { kind: string; container_id: string | null; data_json: string | null }[];
  claims: { docker_name: string }[];
  integrity: string;
}

export interface ClientLedger {
  /** Queue entry ids the daemon gave to users (a deploy --queue answered "queued"). */
  queueIds: number[];
}

export interface Violation {
  rule: string;
  detail: string;
}

/** A reservation (active, no container yet) older than this is a leak; RESERVATION_TTL_MS plus a sweep. */
export const RESERVATION_WINDOW_MS = 6 * 60_000;

const CREATED = new Set(['container.created', 'container.adopted', 'container.deployed']);
const ENDED = new Set(['container.removed', 'container.retired', 'container.vanished', 'lifecycle.removed']);

export function checkInvariants(
  docker: DockerContainer[],
  store: StoreSnapshot,
  ledger: ClientLedger,
  now: number,
): Violation[] {
  const out: Violation[] = [];
  const v = (rule: string, detail: string) => out.push({ rule, detail });

  if (store.integrity !== 'ok') v('sqlite-integrity', store.integrity);

  // No slot held by two containers, in Docker (what the GPUs really get) and in the store.
  const holder = new Map<string, string>();
  for (const c of docker.filter((c) => c.running))
    for (const id of c.deviceIds) {
      const other = holder.get(id);
      if (other) v('slot-shared', `${id} is given to running ${other} and ${c.name}`);
      holder.set(id, c.name);
    }
  const live = store.allocations.filter((a) => a.state === 'active' || a.state === 'held');
  const liveBySlot = new Map<string, number>();
  for (const a of live) liveBySlot.set(a.slot_uuid, (liveBySlot.get(a.slot_uuid) ?? 0) + 1);
  for (const [slot, n] of liveBySlot) if (n > 1) v('slot-shared', `${slot} has ${n} live allocations`);

  // No container running without its allocation.
  for (const c of docker.filter((c) => c.running))
    for (const id of c.deviceIds)
      if (
        !store.allocations.some((a) => a.state === 'active' && a.slot_uuid === id && a.container_id === c.id)
      )
        v('running-without-allocation', `${c.name} runs on ${id} with no active allocation`);

  // No allocation without its container (reservations get the reconcile window).
  const running = new Set(docker.filter((c) => c.running).map((c) => c.id));
  const existing = new Set(docker.map((c) => c.id));
  for (const a of store.allocations) {
    if (a.state === 'active' && a.container_id !== null && !running.has(a.container_id))
      v(
        'allocation-without-container',
        `allocation ${a.id} (${a.slot_uuid}) is active for ${a.container_id}, not running`,
      );
    if (a.state === 'active' && a.container_id === null && now - a.allocated_at > RESERVATION_WINDOW_MS)
      v('allocation-without-container', `reservation ${a.id} (${a.slot_uuid}) never got a container`);
  }

  // Never half done: Docker and the store agree on which ds01 containers exist, and no claim is left.
  const known = new Set(store.containers.filter((c) => c.removed_at === null).map((c) => c.id));
  for (const c of docker)
    if (!known.has(c.id)) v('half-done', `Docker has ${c.name} (${c.id.slice(0, 12)}), the store does not`);
  for (const id of known)
    if (!existing.has(id)) v('half-done', `the store has container ${id.slice(0, 12)}, Docker does not`);
  for (const c of store.claims) v('half-done', `claim on ${c.docker_name} left behind`);

  // Queue: nothing a user was told is lost; nothing served twice.
  const queueIds = new Set(store.queue.map((q) => q.id));
  for (const id of ledger.queueIds)
    if (!queueIds.has(id)) v('queue-lost', `queue entry ${id} is gone from the store`);
  const servedTo = new Map<string, number>();
  for (const q of store.queue.filter((q) => q.state === 'served' && q.container_id)) {
    const other = servedTo.get(q.container_id as string);
    if (other !== undefined) v('queue-served-twice', `entries ${other} and ${q.id} share ${q.container_id}`);
    servedTo.set(q.container_id as string, q.id);
  }
  const queueData = (kind: string) =>
    store.events
      .filter((e) => e.kind === kind)
      .map((e) => (JSON.parse(e.data_json ?? '{}') as { queueId?: number }).queueId);
  const ends = new Map<number, number>();
  for (const id of [...queueData('queue.served'), ...queueData('queue.failed')])
    if (id !== undefined) ends.set(id, (ends.get(id) ?? 0) + 1);
  for (const [id, n] of ends) if (n > 1) v('queue-served-twice', `queue entry ${id} ended ${n} times`);
  const joined = new Set(queueData('queue.joined'));
  for (const q of store.queue) {
    if (!joined.has(q.id)) v('audit-missing', `queue entry ${q.id} has no queue.joined event`);
    if ((q.state === 'served' || q.state === 'failed') && !ends.has(q.id))
      v('audit-missing', `queue entry ${q.id} is ${q.state} with no queue.${q.state} event`);
  }

  // Every state change audited: each container's creation and end, each allocation's container.
  const kindsFor = new Map<string, Set<string>>();
  for (const e of store.events) {
    if (!e.container_id) continue;
    const set = kindsFor.get(e.container_id) ?? new Set<string>();
    set.add(e.kind);
    kindsFor.set(e.container_id, set);
  }
  for (const c of store.containers) {
    const kinds = kindsFor.get(c.id) ?? new Set<string>();
    if (![...kinds].some((k) => CREATED.has(k)))
      v('audit-missing', `container ${c.name} has no creation event`);
    if (c.removed_at !== null && ![...kinds].some((k) => ENDED.has(k)))
      v('audit-missing', `container ${c.name} was removed with no removal event`);
  }
  // Each allocation row was made by a reserve, adoption or reclaim event naming its slot.
  const rowsPerSlot = new Map<string, number>();
  for (const a of store.allocations) rowsPerSlot.set(a.slot_uuid, (rowsPerSlot.get(a.slot_uuid) ?? 0) + 1);
  const made = store.events.filter((e) =>
    ['allocation.reserved', 'allocation.adopted', 'allocation.reclaimed'].includes(e.kind),
  );
  for (const [slot, rows] of rowsPerSlot) {
    const events = made.filter((e) => e.data_json?.includes(slot)).length;
    if (events < rows)
      v('audit-missing', `${slot}: ${rows} allocations, ${events} reserve/adopt/reclaim events`);
  }
  return out;
}

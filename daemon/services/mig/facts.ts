// Gathers what the MIG planner needs about each GPU: the inventory, `mig -lgi` (instances and placements),
// the driver's profile table when it has one, and who holds which slot. Reads only.
import { modelFromDriver } from '../../gpu/mig/from-driver.js';
import { modelOf } from '../../gpu/mig/models.js';
import { type GpuFacts, type Holder, instancesOf } from '../../gpu/mig/plan.js';
import type { GpuInstanceRow } from '../../gpu/parse/mig-lgi.js';
import type { Inventory } from '../../gpu/types.js';
import type { Store } from '../../store/index.js';
import type { MigSmi } from './smi.js';

export interface Facts {
  gpus: GpuFacts[];
  /** Why part of the picture is missing (probe or `mig -lgi` failed), else null. */
  problem: string | null;
}

export async function gatherFacts(
  inv: Inventory,
  store: Store,
  smi: MigSmi,
  problem: string | null,
): Promise<Facts> {
  let lgi: GpuInstanceRow[] | null = null;
  let lgiProblem: string | null = null;
  if (inv.gpus.some((g) => g.migEnabled)) {
    lgi = await smi.listInstances().catch((err: Error) => {
      lgiProblem = err.message;
      return null;
    });
  }
  const driver = inv.gpus.some((g) => g.migEnabled) ? await smi.profiles() : null;
  const holders = holdersBySlot(store);
  const gpus = inv.gpus.map((g): GpuFacts => {
    const builtin = modelOf(g.name);
    const fromDriver =
      driver && g.migEnabled
        ? modelFromDriver(g.index, builtin?.id ?? g.name, driver.lgip, driver.lgipp)
        : null;
    const slots = inv.slots.filter((s) => s.parentUuid === g.uuid && s.kind === 'mig');
    return {
      index: g.index,
      uuid: g.uuid,
      name: g.name,
      migEnabled: g.migEnabled,
      migPending: g.migPending ?? null,
      model: fromDriver ?? builtin,
      modelSource: fromDriver ? 'driver' : builtin ? 'builtin' : null,
      instances: g.migEnabled ? instancesOf(g.index, lgi, slots) : [],
      holders: store.slots
        .all()
        .filter((s) => s.parent_uuid === g.uuid)
        .flatMap((s) => holders.get(s.uuid) ?? []),
    };
  });
  return { gpus, problem: problem ?? lgiProblem };
}

/** Live allocations by slot, with the owner and container named. */
export function holdersBySlot(store: Store): Map<string, Holder[]> {
  const out = new Map<string, Holder[]>();
  for (const a of store.allocations.live()) {
    const c = a.container_id ? store.containers.get(a.container_id) : undefined;
    const h: Holder = {
      slot: a.slot_uuid,
      uid: a.owner_uid,
      user: c?.owner_name ?? String(a.owner_uid),
      containerId: a.container_id,
      containerName: c?.project ?? null,
    };
    out.set(a.slot_uuid, [...(out.get(a.slot_uuid) ?? []), h]);
  }
  return out;
}

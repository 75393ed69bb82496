// Pure: a node's GPU slots as Slurm GRES devices, in ONE order that both sides use. render-slurm writes
// gres.conf in this order, and the node's ds01d turns the indices Slurm assigned a job (`IDX:` in
// `scontrol show job -d`) back into slot UUIDs with the same function — so the MIG slice a job gets in its
// container is exactly the one Slurm counted. Whole GPUs get the type `full`, so `--gres=gpu:full:N` can
// never land on a MIG slice and a MIG profile never on a whole GPU.

/** The slot fields the mapping reads (a SlotRow or a probe from another node). */
export interface GresSlot {
  uuid: string;
  gpuIndex: number;
  kind: 'full' | 'mig';
  profile: string | null;
  migDeviceIndex: number | null;
}

export interface GresDevice {
  /** Slurm's index of this device among the node's `gpu` GRES (0-based). */
  index: number;
  /** GRES type: the MIG profile (`1g.10gb`) or `full`. */
  type: string;
  uuid: string;
  gpuIndex: number;
}

export const FULL_GPU_TYPE = 'full';

/** Slurm's type for a slot. */
export function gresType(s: Pick<GresSlot, 'kind' | 'profile'>): string {
  return s.kind === 'mig' && s.profile ? s.profile : FULL_GPU_TYPE;
}

/** Devices ordered by GPU index, then MIG device index (a whole GPU has one device). UUID breaks ties. */
export function gresDevices(slots: readonly GresSlot[]): GresDevice[] {
  return [...slots]
    .sort(
      (a, b) =>
        a.gpuIndex - b.gpuIndex ||
        (a.migDeviceIndex ?? -1) - (b.migDeviceIndex ?? -1) ||
        (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0),
    )
    .map((s, index) => ({ index, type: gresType(s), uuid: s.uuid, gpuIndex: s.gpuIndex }));
}

/** `gpu:1g.10gb:3,gpu:full:1`: the node's Gres= value in slurm.conf (types in first-seen order). */
export function nodeGres(devices: readonly GresDevice[]): string {
  const counts = new Map<string, number>();
  for (const d of devices) counts.set(d.type, (counts.get(d.type) ?? 0) + 1);
  return [...counts].map(([t, n]) => `gpu:${t}:${n}`).join(',');
}

/**
 * The slot UUIDs for the indices Slurm assigned, or what is wrong: an index this node does not have, or a
 * device whose type is not the one Slurm counted (the node's MIG layout changed since gres.conf was made).
 */
export function slotsForIndices(
  devices: readonly GresDevice[],
  assigned: readonly { type: string | null; index: number }[],
): { ok: true; uuids: string[] } | { ok: false; problem: string } {
  const uuids: string[] = [];
  for (const a of assigned) {
    const d = devices[a.index];
    if (!d)
      return {
        ok: false,
        problem: `Slurm assigned GPU index ${a.index}, but this node has ${devices.length} GPU device(s)`,
      };
    if (a.type !== null && a.type !== d.type)
      return {
        ok: false,
        problem: `Slurm assigned GPU index ${a.index} as ${a.type}, but it is ${d.type} here (re-render gres.conf after a MIG change)`,
      };
    uuids.push(d.uuid);
  }
  return { ok: true, uuids };
}

// Which slots an admin means by a reference: every form `ds01 gpu list` shows must work, so a copied
// value always resolves. Pure: the caller passes the slot rows and turns the outcome into an error.

/** The slot fields a reference can name. */
export interface RefSlot {
  uuid: string;
  parentUuid: string;
  gpuIndex: number;
  kind: 'full' | 'mig';
  migDeviceIndex: number | null;
  state: 'available' | 'drained' | 'missing';
}

export type SlotRefResult<S> =
  | { ok: true; slots: S[] }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'ambiguous'; candidates: string[] };

/** Shorter prefixes ("M", "GPU-") would match by accident more often than on purpose. */
export const MIN_PREFIX = 5;

/**
 * Resolves, in order: a GPU index (`1`: all its slots), a list label (`1.2`: GPU 1, MIG device 2), an exact
 * slot or GPU UUID, and a unique UUID prefix (case-insensitive; a trailing `…` or `...` from an abbreviated
 * table cell is ignored). A prefix that fits several slots/GPUs is ambiguous, never a guess.
 */
export function resolveSlotRef<S extends RefSlot>(all: readonly S[], ref: string): SlotRefResult<S> {
  const r = ref.trim().replace(/(…|\.\.\.)$/, '');
  if (!r) return { ok: false, reason: 'not_found' };
  // Present slots win over missing ones that share an index (a GPU re-probed with new MIG devices).
  const present = (xs: S[]) => {
    const p = xs.filter((s) => s.state !== 'missing');
    return p.length ? p : xs;
  };
  if (/^\d+$/.test(r)) {
    const idx = Number(r);
    const parents = new Set(present(all.filter((s) => s.gpuIndex === idx)).map((s) => s.parentUuid));
    const found = all.filter((s) => parents.has(s.parentUuid));
    if (found.length) return { ok: true, slots: found };
  }
  const label = /^(\d+)\.(\d+)$/.exec(r);
  if (label) {
    const found = present(
      all.filter(
        (s) => s.kind === 'mig' && s.gpuIndex === Number(label[1]) && s.migDeviceIndex === Number(label[2]),
      ),
    );
    if (found.length === 1) return { ok: true, slots: found };
    if (found.length > 1) return { ok: false, reason: 'ambiguous', candidates: found.map((s) => s.uuid) };
  }
  const exactSlot = all.filter((s) => s.uuid === r);
  if (exactSlot.length) return { ok: true, slots: exactSlot };
  const gpu = all.filter((s) => s.parentUuid === r);
  if (gpu.length) return { ok: true, slots: gpu };
  if (r.length < MIN_PREFIX) return { ok: false, reason: 'not_found' };
  // A target is a MIG slot (by its UUID) or a whole GPU (by its UUID: a full slot's UUID is its GPU's).
  const lower = r.toLowerCase();
  const targets = new Set<string>();
  for (const s of all) {
    if (s.kind === 'mig' && s.uuid.toLowerCase().startsWith(lower)) targets.add(s.uuid);
    if (s.parentUuid.toLowerCase().startsWith(lower)) targets.add(s.parentUuid);
  }
  if (targets.size > 1) return { ok: false, reason: 'ambiguous', candidates: [...targets].sort() };
  const [only] = targets;
  if (only === undefined) return { ok: false, reason: 'not_found' };
  const slot = all.filter((s) => s.uuid === only && s.kind === 'mig');
  return { ok: true, slots: slot.length ? slot : all.filter((s) => s.parentUuid === only) };
}

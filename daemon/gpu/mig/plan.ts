// What `ds01 admin mig plan` shows and `apply` does, per GPU (pure): the current layout (probe + `mig -lgi`),
// the desired one (policy `gpu_allocation.layout`), whether it is possible on the GPU's model, and the
// least disruptive way there: instances present in both stay (held ones first), the rest are destroyed
// and the missing ones created where the placement rules allow.
import type { MigTarget } from '../../policy/types.js';
import type { GpuInstanceRow } from '../parse/mig-lgi.js';
import { giProfileOf } from '../parse/profile.js';
import { type MigModel, wholeProfile } from './models.js';
import { fitLayout, type Placement } from './placement.js';

export interface CurrentInstance {
  gi: number;
  profile: string;
  /** Memory-slice start; null when `mig -lgi` could not be read (then nothing can be kept). */
  start: number | null;
  size: number | null;
  /** The slots (MIG devices) in this GPU instance. */
  slots: string[];
}

export interface Holder {
  slot: string;
  uid: number;
  user: string;
  containerId: string | null;
  containerName: string | null;
}

export interface GpuFacts {
  index: number;
  uuid: string;
  name: string;
  migEnabled: boolean;
  /** MIG mode after the next reset, when known: a pending change blocks any layout work until the reset. */
  migPending?: boolean | null;
  /** The model to check against (driver's -lgip/-lgipp when read, else built-in), null if not MIG-capable. */
  model: MigModel | null;
  modelSource: 'driver' | 'builtin' | null;
  instances: CurrentInstance[];
  holders: Holder[];
  /** Slots an advance booking holds now or later: kept before held ones (a booked slot destroyed is refused). */
  bookedSlots?: readonly string[];
}

export type PlanAction =
  /** Already as desired. */
  | 'none'
  /** The policy names no layout for this GPU: ds01 leaves it alone. */
  | 'unmanaged'
  | 'reconfigure'
  /** MIG mode itself must change: a GPU reset (maybe a reboot) that ds01 does not do. */
  | 'mode-change'
  /** The desired layout breaks the model's rules. */
  | 'invalid'
  /** ds01 does not know this model's MIG geometry. */
  | 'unsupported';

export interface GpuPlan {
  gpuIndex: number;
  gpuUuid: string;
  gpuName: string;
  model: string | null;
  modelSource: 'driver' | 'builtin' | null;
  migEnabled: boolean;
  current: string[];
  desired: MigTarget | null;
  /** Desired GI profiles (a `whole` target spelled out); empty for `off` or no target. */
  desiredProfiles: string[];
  desiredFrom: 'index' | 'model' | null;
  action: PlanAction;
  /** One sentence: why this action (the model's rule for an invalid layout, the commands for a mode change). */
  reason: string;
  keep: number[];
  destroy: number[];
  /** In creation order (largest first). */
  create: Placement[];
  /** Slots that disappear (the MIG devices of destroyed instances). */
  affectedSlots: string[];
  /** Who holds an affected slot now: they are warned and, at the deadline, stopped. */
  holders: Holder[];
}

export function desiredFor(
  layout: { byIndex: Readonly<Record<number, MigTarget>>; byModel: Readonly<Record<string, MigTarget>> },
  gpuIndex: number,
  modelId: string | null,
): { target: MigTarget; from: 'index' | 'model' } | null {
  const byIndex = layout.byIndex[gpuIndex];
  if (byIndex) return { target: byIndex, from: 'index' };
  const byModel = modelId ? layout.byModel[modelId] : undefined;
  return byModel ? { target: byModel, from: 'model' } : null;
}

const sorted = (xs: string[]) => [...xs].sort();
const sameMultiset = (a: string[], b: string[]) => sorted(a).join(',') === sorted(b).join(',');

export function planGpu(
  gpu: GpuFacts,
  desired: { target: MigTarget; from: 'index' | 'model' } | null,
): GpuPlan {
  const current = gpu.instances.map((i) => i.profile);
  const base: GpuPlan = {
    gpuIndex: gpu.index,
    gpuUuid: gpu.uuid,
    gpuName: gpu.name,
    model: gpu.model?.id ?? null,
    modelSource: gpu.modelSource,
    migEnabled: gpu.migEnabled,
    current: gpu.migEnabled ? current : [],
    desired: desired?.target ?? null,
    desiredProfiles: [],
    desiredFrom: desired?.from ?? null,
    action: 'unmanaged',
    reason: 'the policy names no layout for this GPU (gpu_allocation.layout); ds01 leaves it as it is',
    keep: [],
    destroy: [],
    create: [],
    affectedSlots: [],
    holders: [],
  };
  if (!desired) return base;
  const target = desired.target;
  if (gpu.migPending != null && gpu.migPending !== gpu.migEnabled) {
    return {
      ...base,
      action: 'mode-change',
      reason: `MIG mode ${gpu.migPending ? 'on' : 'off'} is pending on this GPU: it takes effect after a GPU reset (\`nvidia-smi -i ${gpu.index} -r\`, with nothing running on it) or a reboot; then \`ds01 gpu refresh\` and plan again`,
    };
  }
  if (target.kind === 'off') {
    if (!gpu.migEnabled) return { ...base, action: 'none', reason: 'MIG is off, as desired' };
    return {
      ...base,
      action: 'mode-change',
      reason: `MIG must be turned off: that resets the GPU, which ds01 does not do. With the GPU drained and free, run \`nvidia-smi mig -i ${gpu.index} -dci && nvidia-smi mig -i ${gpu.index} -dgi && nvidia-smi -i ${gpu.index} -mig 0\` (it may ask for a GPU reset, \`nvidia-smi -i ${gpu.index} -r\`, or a reboot), then \`ds01 gpu refresh\``,
      affectedSlots: gpu.instances.flatMap((i) => i.slots),
      holders: gpu.holders,
    };
  }
  if (!gpu.model) {
    return {
      ...base,
      action: 'unsupported',
      reason: `ds01 does not know the MIG geometry of the ${gpu.name} (known: A100 40GB/80GB, A30, H100, H100 NVL, H200) and the driver listed no profiles for it`,
    };
  }
  const model = gpu.model;
  const profiles = target.kind === 'whole' ? [wholeProfile(model).name] : target.profiles;
  const withProfiles = { ...base, desiredProfiles: profiles };
  const fit = fitLayout(model, profiles);
  if (!fit.ok) return { ...withProfiles, action: 'invalid', reason: fit.rule };
  if (!gpu.migEnabled) {
    return {
      ...withProfiles,
      action: 'mode-change',
      reason: `MIG is off on this GPU: turning it on resets the GPU, which ds01 does not do. With the GPU free, run \`nvidia-smi -i ${gpu.index} -mig 1\` (it may ask for a GPU reset, \`nvidia-smi -i ${gpu.index} -r\`, or a reboot), then \`ds01 gpu refresh\` and apply again`,
    };
  }
  if (sameMultiset(current, profiles)) {
    return { ...withProfiles, action: 'none', reason: 'the layout is already as desired' };
  }
  // Keep what can stay: booked instances first (destroying one is refused), then held ones (fewer people
  // stopped), then the larger ones.
  const heldSlots = new Set(gpu.holders.map((h) => h.slot));
  const bookedSlots = new Set(gpu.bookedSlots ?? []);
  const worth = (i: CurrentInstance) =>
    (i.slots.some((s) => bookedSlots.has(s)) ? 2 : 0) + (i.slots.some((s) => heldSlots.has(s)) ? 1 : 0);
  const candidates = [...gpu.instances]
    .filter((i) => i.start !== null)
    .sort((a, b) => worth(b) - worth(a) || (b.size ?? 0) - (a.size ?? 0) || a.gi - b.gi);
  const kept: CurrentInstance[] = [];
  let rest = [...profiles];
  for (const inst of candidates) {
    const at = rest.indexOf(inst.profile);
    if (at < 0) continue;
    const remaining = rest.filter((_, i) => i !== at);
    const fixed = [...kept, inst].map((k) => ({ profile: k.profile, start: k.start as number }));
    if (fitLayout(model, remaining, fixed).ok) {
      kept.push(inst);
      rest = remaining;
    }
  }
  const fixed = kept.map((k) => ({ profile: k.profile, start: k.start as number }));
  const created = fitLayout(model, rest, fixed);
  // Cannot happen (the empty keep set always fits, and each step kept the rest placeable); be safe anyway.
  if (!created.ok) return { ...withProfiles, action: 'invalid', reason: created.rule };
  const destroyed = gpu.instances.filter((i) => !kept.includes(i));
  const affectedSlots = destroyed.flatMap((i) => i.slots);
  const affected = new Set(affectedSlots);
  return {
    ...withProfiles,
    action: 'reconfigure',
    reason: `${destroyed.length} instance(s) destroyed, ${created.placements.length} created${kept.length ? `, ${kept.length} kept` : ''}`,
    keep: kept.map((k) => k.gi),
    destroy: destroyed.map((d) => d.gi),
    create: created.placements,
    affectedSlots,
    holders: gpu.holders.filter((h) => affected.has(h.slot)),
  };
}

/** A GPU's instances from `mig -lgi` rows, with the slots the probe saw in each GI. */
export function instancesOf(
  gpuIndex: number,
  lgi: readonly GpuInstanceRow[] | null,
  slots: readonly { uuid: string; gi: number | null; profile: string | null }[],
): CurrentInstance[] {
  if (lgi) {
    return lgi
      .filter((r) => r.gpuIndex === gpuIndex)
      .map((r) => ({
        gi: r.gi,
        profile: r.profile,
        start: r.placementStart,
        size: r.placementSize,
        slots: slots.filter((s) => s.gi === r.gi).map((s) => s.uuid),
      }))
      .sort((a, b) => a.gi - b.gi);
  }
  // Without -lgi: one instance per GI the probe saw; placements unknown.
  const byGi = new Map<number, CurrentInstance>();
  for (const s of slots) {
    if (s.gi === null || s.profile === null) continue;
    const inst = byGi.get(s.gi) ?? {
      gi: s.gi,
      profile: giProfileOf(s.profile),
      start: null,
      size: null,
      slots: [],
    };
    inst.slots.push(s.uuid);
    byGi.set(s.gi, inst);
  }
  return [...byGi.values()].sort((a, b) => a.gi - b.gi);
}

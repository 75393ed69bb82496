// Does a list of MIG profiles fit one GPU of a model, and where (pure)? Each GPU instance needs `size`
// consecutive memory slices starting at one of its profile's allowed starts, without overlapping another;
// the per-profile instance caps and the compute slices must hold too. Layouts have at most 8 instances, so
// an exhaustive search (largest first) is instant and never wrong.
import type { MigModel, MigProfileSpec } from './models.js';

export interface Placement {
  profile: string;
  id: number;
  start: number;
  size: number;
}

export type FitResult = { ok: true; placements: Placement[] } | { ok: false; rule: string };

/** Instances that already exist and stay where they are. */
export interface FixedInstance {
  profile: string;
  start: number;
}

const listOf = (xs: number[]) =>
  xs.length === 1 ? `${xs[0]}` : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;

/** How a profile may be placed, in words: `3g.40gb takes 4 memory slices starting at 0 or 4`. */
export function describeProfile(p: MigProfileSpec): string {
  return `${p.name} takes ${p.size} memory slice${p.size === 1 ? '' : 's'} starting at ${listOf(p.starts)}`;
}

export function fitLayout(
  model: MigModel,
  wanted: readonly string[],
  fixed: readonly FixedInstance[] = [],
): FitResult {
  const byName = new Map(model.profiles.map((p) => [p.name, p]));
  const specs: MigProfileSpec[] = [];
  for (const name of wanted) {
    const p = byName.get(name);
    if (!p) {
      return {
        ok: false,
        rule: `"${name}" is not a MIG profile of the ${model.id}; its profiles are ${model.profiles.map((q) => q.name).join(', ')}`,
      };
    }
    specs.push(p);
  }
  const fixedSpecs: { spec: MigProfileSpec; start: number }[] = [];
  for (const f of fixed) {
    const p = byName.get(f.profile);
    if (!p)
      return { ok: false, rule: `the existing instance ${f.profile} is not a profile of the ${model.id}` };
    fixedSpecs.push({ spec: p, start: f.start });
  }
  const all = [...specs, ...fixedSpecs.map((f) => f.spec)];
  for (const p of model.profiles) {
    const n = all.filter((s) => s === p).length;
    if (n > p.maxInstances) {
      return {
        ok: false,
        rule: `the ${model.id} holds at most ${p.maxInstances} × ${p.name} (asked for ${n})`,
      };
    }
  }
  const compute = all.reduce((sum, p) => sum + p.computeSlices, 0);
  if (compute > model.computeSlices) {
    return {
      ok: false,
      rule: `${all.map((p) => p.name).join(' + ')} needs ${compute} compute slices; the ${model.id} has ${model.computeSlices}`,
    };
  }
  const used = new Array<boolean>(model.memorySlices).fill(false);
  const take = (start: number, size: number, v: boolean) => {
    for (let i = start; i < start + size; i++) used[i] = v;
  };
  const free = (start: number, size: number) => {
    if (start + size > model.memorySlices) return false;
    for (let i = start; i < start + size; i++) if (used[i]) return false;
    return true;
  };
  for (const f of fixedSpecs) {
    if (!free(f.start, f.spec.size)) {
      return { ok: false, rule: `existing instances overlap at memory slice ${f.start}` };
    }
    take(f.start, f.spec.size, true);
  }
  // Largest first, then the profile with the fewest starts: the search fails fast on hopeless layouts.
  const order = specs
    .map((spec, i) => ({ spec, i }))
    .sort((a, b) => b.spec.size - a.spec.size || a.spec.starts.length - b.spec.starts.length || a.i - b.i);
  const chosen: number[] = new Array(order.length);
  const place = (k: number): boolean => {
    if (k === order.length) return true;
    const { spec } = order[k] as { spec: MigProfileSpec };
    for (const start of spec.starts) {
      // Two instances of one profile: try starts in increasing order only (the same set in another order).
      const prev = order[k - 1];
      if (prev && prev.spec === spec && start <= (chosen[k - 1] as number)) continue;
      if (!free(start, spec.size)) continue;
      take(start, spec.size, true);
      chosen[k] = start;
      if (place(k + 1)) return true;
      take(start, spec.size, false);
    }
    return false;
  };
  if (!place(0)) {
    const distinct = [...new Set(all)];
    const kept = fixedSpecs.length
      ? ` next to the instances kept (${fixedSpecs.map((f) => `${f.spec.name} at ${f.start}`).join(', ')})`
      : '';
    return {
      ok: false,
      rule: `${specs.map((p) => p.name).join(' + ')} cannot be placed on the ${model.id}${kept}: it has ${model.memorySlices} memory slices, and ${distinct.map(describeProfile).join('; ')}`,
    };
  }
  const placements = order.map(({ spec }, k) => ({
    profile: spec.name,
    id: spec.id,
    start: chosen[k] as number,
    size: spec.size,
  }));
  return { ok: true, placements };
}

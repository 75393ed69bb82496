// The decisions inside a MIG change's steps (pure; the runner in services/mig does the I/O). Each step
// looks at the GPU as it is NOW, so running it again after a crash or a failure is always safe.
import type { MigModel } from './models.js';
import { fitLayout, type Placement } from './placement.js';
import type { CurrentInstance } from './plan.js';

/** What a change stores about its plan (mig_changes.plan_json). */
export interface StoredPlan {
  desired: string[];
  /** GI ids that stay (their holders are not disturbed). */
  keep: number[];
  /** GI ids planned for destruction, and the slots that vanish with them. */
  destroy: number[];
  affectedSlots: string[];
}

export type WaitDecision =
  /** Affected slots are still in use and the deadline has not come: keep waiting. */
  | { kind: 'wait'; until: number }
  /** The deadline has come: stop the containers still holding affected slots. */
  | { kind: 'stop-holders' }
  /** Nothing holds an affected slot any more. */
  | { kind: 'proceed' };

export function waitDecision(now: number, deadline: number, activeHolders: number): WaitDecision {
  if (activeHolders === 0) return { kind: 'proceed' };
  if (now >= deadline) return { kind: 'stop-holders' };
  return { kind: 'wait', until: deadline };
}

export interface Reconcile {
  /** GI ids to destroy (compute instances first, then the GPU instances). */
  destroy: number[];
  /** Profiles to create, in creation order (largest first). */
  create: Placement[];
}

/**
 * How to get from the instances the GPU has now to the plan: instances it keeps stay untouched; any other
 * instance that the desired layout still needs may stay where it is (a retry after a half-done create
 * reuses what was made); the rest is destroyed and the missing profiles are created where they fit.
 * Null when no placement works even after clearing every instance that is not kept.
 */
export function reconcile(
  model: MigModel,
  plan: StoredPlan,
  now: readonly CurrentInstance[],
): Reconcile | null {
  const kept = now.filter((i) => plan.keep.includes(i.gi));
  let rest = [...plan.desired];
  for (const k of kept) {
    const at = rest.indexOf(k.profile);
    if (at >= 0) rest = rest.filter((_, i) => i !== at);
  }
  // Instances not kept but matching a still-missing profile (made by an earlier, interrupted try).
  const reusable: CurrentInstance[] = [];
  const others = now.filter((i) => !plan.keep.includes(i.gi));
  let missing = [...rest];
  for (const o of others) {
    const at = missing.indexOf(o.profile);
    // Any such instance may be reused: every holder of a slot not kept was stopped before this step.
    if (at >= 0 && o.start !== null) {
      reusable.push(o);
      missing = missing.filter((_, i) => i !== at);
    }
  }
  const fixedOf = (xs: CurrentInstance[]) =>
    xs.filter((x) => x.start !== null).map((x) => ({ profile: x.profile, start: x.start as number }));
  const withReuse = fitLayout(model, missing, fixedOf([...kept, ...reusable]));
  if (withReuse.ok) {
    return {
      destroy: others.filter((o) => !reusable.includes(o)).map((o) => o.gi),
      create: withReuse.placements,
    };
  }
  const clean = fitLayout(model, rest, fixedOf(kept));
  if (!clean.ok) return null;
  return { destroy: others.map((o) => o.gi), create: clean.placements };
}

/** Does the GPU now have exactly the desired layout? Null when it does, else the difference in words. */
export function verifyLayout(desired: readonly string[], now: readonly CurrentInstance[]): string | null {
  const want = [...desired].sort();
  const have = now.map((i) => i.profile).sort();
  if (want.join(',') === have.join(',')) {
    const empty = now.filter((i) => i.slots.length === 0);
    if (empty.length === 0) return null;
    return `GPU instance(s) ${empty.map((i) => i.gi).join(', ')} have no compute instance (no MIG device in nvidia-smi -L)`;
  }
  return `nvidia-smi shows ${have.length ? have.join(' + ') : 'no instances'}; the plan is ${want.join(' + ')}`;
}

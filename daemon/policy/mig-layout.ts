// `gpu_allocation.layout`: the MIG layout each GPU should have, by GPU index or by model id.
//
//   layout:
//     H100: [3g.40gb, 2g.20gb, 1g.10gb, 1g.10gb]   # every H100 without an entry of its own
//     0: whole                                     # one instance spanning GPU 0 (7g.80gb on an A100 80GB)
//     3: { mig: false }                            # MIG off (needs a GPU reset)
//
// A model's list is checked against that model's placement rules here, so an impossible layout is an error
// of the policy file (and never takes effect). A GPU index's list can only be checked against the GPU's
// model at plan time (`ds01 admin mig plan`), where it is refused with the model's rule.
import { isMap, type Node } from 'yaml';
import { MODEL_IDS, modelById } from '../gpu/mig/models.js';
import { fitLayout } from '../gpu/mig/placement.js';
import { MIG_PROFILE_NAME } from '../gpu/parse/profile.js';
import { didYouMean } from './diagnostics.js';
import type { PolicyReader } from './reader.js';
import type { MigLayoutPolicy, MigTarget } from './types.js';

const MAX_GPU_INDEX = 63;
const EXPECTED = 'a list of MIG profiles (e.g. [3g.40gb, 1g.10gb]), whole, or { mig: false }';

export function readMigLayout(r: PolicyReader, node: Node, path: string): MigLayoutPolicy {
  const byIndex: Record<number, MigTarget> = {};
  const byModel: Record<string, MigTarget> = {};
  for (const entry of r.entries(node, path) ?? []) {
    const target = readTarget(r, entry.value, entry.path);
    if (/^\d+$/.test(entry.key)) {
      const index = Number(entry.key);
      if (index > MAX_GPU_INDEX) {
        r.error(entry.keyNode, entry.path, `GPU index ${index} is out of range`, {
          expected: `a GPU index 0-${MAX_GPU_INDEX} (as \`ds01 gpu list\` shows) or a model: ${MODEL_IDS.join(', ')}`,
        });
        continue;
      }
      if (target) byIndex[index] = target;
      continue;
    }
    const model = modelById(entry.key);
    if (!model) {
      const suggestion = didYouMean(entry.key, MODEL_IDS);
      r.error(entry.keyNode, entry.path, `"${entry.key}" is neither a GPU index nor a MIG model ds01 knows`, {
        expected: `a GPU index or one of ${MODEL_IDS.join(', ')}`,
        ...(suggestion ? { hint: `did you mean "${suggestion}"?` } : {}),
      });
      continue;
    }
    if (!target) continue;
    if (target.kind === 'mig') {
      const fit = fitLayout(model, target.profiles);
      if (!fit.ok) {
        r.error(entry.value, entry.path, `this layout is not possible on the ${model.id}: ${fit.rule}`, {
          expected: 'profiles that fit together (see `ds01 admin mig plan` for the rules)',
        });
        continue;
      }
    }
    byModel[model.id] = target;
  }
  return Object.freeze({ byIndex: Object.freeze(byIndex), byModel: Object.freeze(byModel) });
}

function readTarget(r: PolicyReader, node: Node, path: string): MigTarget | undefined {
  const value = r.scalar(node);
  if (value === 'whole') return { kind: 'whole' };
  if (value === false) return { kind: 'off' };
  if (isMap(r.deref(node))) {
    const out: { mig?: boolean; profiles?: string[] } = {};
    for (const e of r.entries(node, path) ?? []) {
      if (e.key === 'mig') out.mig = r.boolean(e.value, e.path);
      else if (e.key === 'profiles') out.profiles = readProfiles(r, e.value, e.path);
      else r.unknownKey(e, ['mig', 'profiles'], path);
    }
    if (out.mig === false) {
      if (out.profiles?.length)
        return r.error(node, path, 'mig: false cannot have profiles', { expected: EXPECTED });
      return { kind: 'off' };
    }
    if (out.profiles) return { kind: 'mig', profiles: out.profiles };
    return r.error(node, path, 'says neither mig: false nor profiles', { expected: EXPECTED });
  }
  if (typeof value === 'string' || typeof value === 'number' || value === null || value === true) {
    return r.error(node, path, `${JSON.stringify(value)} is not a MIG layout`, { expected: EXPECTED });
  }
  const profiles = readProfiles(r, node, path);
  return profiles ? { kind: 'mig', profiles } : undefined;
}

function readProfiles(r: PolicyReader, node: Node, path: string): string[] | undefined {
  const list = r.strings(node, path, 'MIG profile names');
  if (!list) return undefined;
  if (list.length === 0) {
    return r.error(node, path, 'an empty list leaves the GPU with no slot', {
      expected: 'at least one profile, whole, or { mig: false }',
    });
  }
  const bad = list.find((p) => !MIG_PROFILE_NAME.test(p));
  if (bad !== undefined) {
    return r.error(node, path, `"${bad}" is not a MIG GPU-instance profile name`, {
      expected: 'names like 1g.10gb, 3g.40gb, 1g.10gb+me (as `nvidia-smi mig -lgip` lists them)',
    });
  }
  return list;
}

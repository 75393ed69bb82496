// Cross-field checks on the limits each group and overridden user will actually get (after inheritance). An
// inconsistency is reported at the most specific line that caused it, so the admin edits the right place.

import type { Node } from 'yaml';
import { BUILTIN_LIMITS } from './builtin.js';
import { didYouMean } from './diagnostics.js';
import type { Draft } from './load.js';
import type { PolicyReader } from './reader.js';
import type { Limits, Severity } from './types.js';
import { formatDuration, formatSize } from './units.js';

export function checkPolicy(r: PolicyReader, draft: Draft): void {
  checkGroupNames(r, draft);
  const groupNames = Object.keys(draft.groups);
  for (const group of groupNames) {
    checkLimits(r, draft, groupLimits(draft, group), [`groups.${group}`, 'defaults'], `group "${group}"`);
    checkAggregate(r, draft, group);
    const scopes = [`groups.${group}`, 'defaults'];
    checkCpusUnderAggregate(r, draft, group, groupLimits(draft, group).maxCpus, scopes, `group "${group}"`);
  }
  if (groupNames.length === 0) checkLimits(r, draft, groupLimits(draft, undefined), ['defaults'], 'defaults');
  for (const [user, override] of Object.entries(draft.userOverrides)) {
    const group = groupOfOverride(draft, user);
    const limits = { ...groupLimits(draft, group), ...override };
    const scopes = [`user_overrides.${user}`, ...(group ? [`groups.${group}`] : []), 'defaults'];
    checkLimits(r, draft, limits, scopes, `user "${user}"`);
    if (group && override.maxCpus !== undefined)
      checkCpusUnderAggregate(r, draft, group, limits.maxCpus, scopes, `user "${user}"`);
  }
}

/**
 * A container's max_cpus above its group's aggregate cpu_quota: the container runs under that capped parent
 * cgroup, and cgroup v1 refuses a child CPU quota above its parent's, so every start would fail with EINVAL
 * (on v2 the extra could never be used). Rejected, not clamped: the admin's numbers disagree and only the
 * admin knows which one is meant, and a rejected edit never takes effect (the last good policy stays).
 * Users the loader cannot place (Linux group membership) are clamped at deploy (resolve.ts containerCpus).
 */
function checkCpusUnderAggregate(
  r: PolicyReader,
  draft: Draft,
  group: string,
  maxCpus: number | null,
  scopes: string[],
  label: string,
): void {
  const cap = draft.groups[group]?.aggregate?.cpus ?? null;
  if (cap === null || maxCpus === null || maxCpus <= cap) return;
  const blamed = blame(draft, ['max_cpus'], scopes);
  const inherited = blamed && blamed.scope !== scopes[0] ? ` (inherited by ${label})` : '';
  r.error(
    blamed?.node ?? draft.root,
    blamed?.path ?? '',
    `max_cpus ${maxCpus}${inherited} is more than group "${group}"'s aggregate cpu_quota of ${cap} CPUs (${Math.round(cap * 100)}%)`,
    {
      hint: `every container of ${label} runs under that cap, and cgroup v1 refuses a container CPU limit above it (EINVAL at start): lower max_cpus to at most ${cap}, or raise groups.${group}.aggregate.cpu_quota`,
    },
  );
}

function groupLimits(draft: Draft, group: string | undefined): Limits {
  return { ...BUILTIN_LIMITS, ...draft.defaults, ...(group ? draft.groups[group]?.limits : {}) };
}

/** The group an overridden user most likely lands in, for checking their effective limits. */
function groupOfOverride(draft: Draft, user: string): string | undefined {
  const named = draft.userGroups[user]?.group;
  if (named && draft.groups[named]) return named;
  const listed = Object.entries(draft.groups).find(([, g]) => g.members.includes(user))?.[0];
  return (
    listed ??
    (draft.defaultGroup && draft.groups[draft.defaultGroup.name] ? draft.defaultGroup.name : undefined)
  );
}

function checkGroupNames(r: PolicyReader, draft: Draft): void {
  const groups = Object.keys(draft.groups);
  const unknown = (name: string, node: Node, path: string, what: string) => {
    const suggestion = didYouMean(name, groups);
    r.error(node, path, `${what} "${name}" is not defined under groups`, {
      expected: groups.length ? `one of ${groups.join(', ')}` : 'a group defined under groups',
      ...(suggestion ? { hint: `did you mean "${suggestion}"?` } : {}),
    });
  };
  if (draft.defaultGroup && !draft.groups[draft.defaultGroup.name]) {
    unknown(draft.defaultGroup.name, draft.defaultGroup.node, draft.defaultGroup.path, 'default_group');
  }
  if (!draft.defaultGroup && groups.length > 0) {
    const first = draft.groupKeyNodes.get(groups[0] as string) ?? draft.root;
    r.error(first, 'default_group', 'default_group is missing: users in no group would have no limits', {
      expected: `default_group: one of ${groups.join(', ')}`,
    });
  }
  for (const [user, assigned] of Object.entries(draft.userGroups)) {
    if (!draft.groups[assigned.group])
      unknown(assigned.group, assigned.node, assigned.path, `user "${user}"'s group`);
  }
}

interface Rule {
  severity: Severity;
  /** The names involved; on a tie of specificity the first is blamed. */
  names: [string, string];
  broken: (l: Limits) => boolean;
  message: (l: Limits) => string;
  hint: string;
}

const size = (n: number | null) => formatSize(n);

const RULES: Rule[] = [
  {
    severity: 'error',
    names: ['memory_swap', 'memory'],
    broken: (l) => l.memoryBytes !== null && l.memorySwapBytes !== null && l.memorySwapBytes < l.memoryBytes,
    message: (l) => `memory_swap ${size(l.memorySwapBytes)} is less than memory ${size(l.memoryBytes)}`,
    hint: 'Docker counts memory_swap as memory plus swap: set it equal to memory for no swap',
  },
  {
    severity: 'warning',
    names: ['shm_size', 'memory'],
    broken: (l) => l.memoryBytes !== null && l.shmSizeBytes !== null && l.shmSizeBytes > l.memoryBytes,
    message: (l) => `shm_size ${size(l.shmSizeBytes)} is more than memory ${size(l.memoryBytes)}`,
    hint: '/dev/shm is charged to the container memory, so the extra can never be used',
  },
  {
    severity: 'error',
    names: ['max_gpus_per_container', 'max_mig_instances'],
    broken: (l) =>
      l.maxGpusPerContainer !== null &&
      l.maxMigInstances !== null &&
      l.maxGpusPerContainer > l.maxMigInstances,
    message: (l) =>
      `max_gpus_per_container ${l.maxGpusPerContainer} is more than max_mig_instances ${l.maxMigInstances}`,
    hint: 'a container can never hold more slots than the user may hold in all',
  },
  {
    severity: 'error',
    names: ['max_extensions', 'extension_duration'],
    broken: (l) => l.maxExtensions > 0 && !l.extensionMs,
    message: (l) =>
      `max_extensions ${l.maxExtensions} needs an extension_duration (is ${formatDuration(l.extensionMs)})`,
    hint: 'set extension_duration (e.g. 4h), or max_extensions: 0',
  },
];

function checkLimits(r: PolicyReader, draft: Draft, limits: Limits, scopes: string[], label: string): void {
  for (const rule of RULES) {
    if (!rule.broken(limits)) continue;
    const blamed = blame(draft, rule.names, scopes);
    const inherited = blamed && blamed.scope !== scopes[0] ? ` (inherited by ${label})` : '';
    r.report(
      rule.severity,
      blamed?.node ?? draft.root,
      blamed?.path ?? '',
      `${rule.message(limits)}${inherited}`,
      {
        hint: rule.hint,
      },
    );
  }
}

function blame(draft: Draft, names: readonly string[], scopes: readonly string[]) {
  for (const scope of scopes) {
    for (const name of names) {
      const site = draft.sites.get(`${scope}.${name}`);
      if (site) return { ...site, scope };
    }
  }
  return undefined;
}

function checkAggregate(r: PolicyReader, draft: Draft, group: string): void {
  const aggregate = draft.groups[group]?.aggregate;
  if (aggregate?.memoryHighBytes != null && aggregate.memoryMaxBytes != null) {
    if (aggregate.memoryHighBytes > aggregate.memoryMaxBytes) {
      const site = draft.sites.get(`groups.${group}.aggregate.memory_high`);
      r.error(
        site?.node ?? draft.root,
        site?.path ?? '',
        `memory_high ${size(aggregate.memoryHighBytes)} is more than memory_max ${size(aggregate.memoryMaxBytes)}`,
        {
          hint: 'memory_high is the soft limit where throttling starts; keep it below memory_max',
        },
      );
    }
  }
  const gpuLimit = draft.gpuLimits.get(group);
  if (!gpuLimit) return;
  const quota = groupLimits(draft, group).maxGpuEquivalents;
  if (gpuLimit.value === quota) {
    r.report(
      'note',
      gpuLimit.node,
      gpuLimit.path,
      `gpu_limit ${gpuLimit.value} is the max_gpu_equivalents quota ds01 already enforces`,
    );
  } else {
    r.report(
      'warning',
      gpuLimit.node,
      gpuLimit.path,
      `gpu_limit ${gpuLimit.value} is ignored; ds01 enforces max_gpu_equivalents (${quota ?? 'unlimited'})`,
      {
        hint: 'set the quota with max_gpu_equivalents',
      },
    );
  }
}

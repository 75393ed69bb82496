// Policy + user → the limits that apply to them, with where each value came from. Pure: the caller passes the
// user's Linux groups (from NSS) and the time (for exemption expiry).

import { exemptionEndsAt } from './sections.js';
import type { Exemption, LimitKey, Limits, Policy, ResolvedLimits, Source } from './types.js';

export interface PolicyUser {
  name: string;
  /** Linux group names (primary and supplementary). */
  groups: readonly string[];
  uid?: number;
}

/** Limits an exemption of kind 'lifecycle' lifts: no idle stop, no runtime stop, no automatic removal. */
export const LIFECYCLE_EXEMPT_KEYS: readonly LimitKey[] = [
  'idleTimeoutMs',
  'maxRuntimeMs',
  'containerHoldAfterStopMs',
];

export function resolveGroup(policy: Policy, user: PolicyUser): Pick<ResolvedLimits, 'group' | 'groupVia'> {
  const assigned = policy.userGroups[user.name];
  if (assigned !== undefined) return { group: assigned, groupVia: 'user-override' };
  const names = Object.keys(policy.groups);
  const listed = names.find((g) => policy.groups[g]?.members.includes(user.name));
  if (listed !== undefined) return { group: listed, groupVia: 'members' };
  const linux = names.find((g) => user.groups.includes(g));
  if (linux !== undefined) return { group: linux, groupVia: 'linux-group' };
  return { group: policy.defaultGroup, groupVia: 'default-group' };
}

/** defaults ← groups.<group>: what every member of the group gets before per-user overrides. */
export function groupLimits(
  policy: Policy,
  group: string,
): { limits: Limits; sources: Record<LimitKey, Source> } {
  const limits = { ...policy.defaults };
  const sources = Object.fromEntries(Object.keys(limits).map((k) => [k, 'default'])) as Record<
    LimitKey,
    Source
  >;
  layer(limits, sources, policy.groups[group]?.limits ?? {}, `group:${group}`);
  return { limits, sources };
}

export function resolveLimits(policy: Policy, user: PolicyUser, now: Date): ResolvedLimits {
  const { group, groupVia } = resolveGroup(policy, user);
  const { limits, sources } = groupLimits(policy, group);
  layer(limits, sources, policy.userOverrides[user.name] ?? {}, `user:${user.name}`);
  const exemptions = activeExemptions(policy, user.name, now);
  for (const exemption of exemptions) {
    const keys = exemption.keys === 'lifecycle' ? LIFECYCLE_EXEMPT_KEYS : exemption.keys;
    const lifted = Object.fromEntries(keys.map((k) => [k, k === 'allowFullGpu' ? true : null]));
    layer(limits, sources, lifted as Partial<Limits>, `exemption:${exemption.expires}`);
  }
  const groupPolicy = policy.groups[group];
  return {
    user: user.name,
    group,
    groupVia,
    limits,
    sources,
    lifecycle: { ...policy.lifecycle, ...groupPolicy?.lifecycle },
    aggregate: groupPolicy?.aggregate ?? null,
    exemptions,
  };
}

/**
 * `max_cpus` as a container (or build) gets it: never above the group's aggregate `cpu_quota` while the caps
 * are enforced, because the container sits under that capped parent and cgroup v1 refuses a child CPU quota
 * above its parent's (EINVAL at start). The loader already rejects such a policy where it can see the
 * group; this covers users whose group comes from their Linux groups. null = no CPU limit (the parent caps).
 */
export function containerCpus(
  maxCpus: number | null,
  aggregate: { cpus: number | null } | null,
  enforced: boolean,
): number | null {
  const cap = enforced ? (aggregate?.cpus ?? null) : null;
  if (cap === null) return maxCpus;
  return maxCpus === null ? null : Math.min(maxCpus, cap);
}

export function activeExemptions(policy: Policy, user: string, now: Date): Exemption[] {
  return policy.exemptions.filter((e) => e.user === user && now.getTime() < exemptionEndsAt(e.expires));
}

function layer(
  limits: Limits,
  sources: Record<LimitKey, Source>,
  over: Partial<Limits>,
  source: Source,
): void {
  for (const [key, value] of Object.entries(over) as [LimitKey, Limits[LimitKey]][]) {
    if (value === undefined) continue;
    (limits as unknown as Record<LimitKey, unknown>)[key] = value;
    sources[key] = source;
  }
}

/** Root, `admin.users`, or a member of `admin.group`. */
export function isAdmin(policy: Policy, user: PolicyUser): boolean {
  return (
    user.uid === 0 ||
    user.name === 'root' ||
    policy.admin.users.includes(user.name) ||
    user.groups.includes(policy.admin.group)
  );
}

export interface LimitChange {
  key: LimitKey;
  before: Limits[LimitKey];
  after: Limits[LimitKey];
}

export interface GroupLimitChanges {
  group: string;
  status: 'added' | 'removed' | 'changed';
  changes: LimitChange[];
}

/**
 * What a reload changes for each group's members (defaults and group settings combined). An added group is
 * compared with the default group its members were in before; a removed one with the default group they fall to.
 */
export function diffEffectiveLimits(oldPolicy: Policy, newPolicy: Policy): GroupLimitChanges[] {
  const names = [...new Set([...Object.keys(newPolicy.groups), ...Object.keys(oldPolicy.groups)])];
  if (names.length === 0) names.push(newPolicy.defaultGroup);
  const out: GroupLimitChanges[] = [];
  for (const group of names) {
    const inOld = group in oldPolicy.groups || Object.keys(oldPolicy.groups).length === 0;
    const inNew = group in newPolicy.groups || Object.keys(newPolicy.groups).length === 0;
    const before = groupLimits(oldPolicy, inOld ? group : newPolicy.defaultGroup).limits;
    const after = groupLimits(newPolicy, inNew ? group : newPolicy.defaultGroup).limits;
    const changes = (Object.keys(after) as LimitKey[])
      .filter((key) => before[key] !== after[key])
      .map((key) => ({ key, before: before[key], after: after[key] }));
    const status = !inOld ? 'added' : !inNew ? 'removed' : 'changed';
    if (changes.length > 0 || status !== 'changed') out.push({ group, status, changes });
  }
  return out;
}

// On a policy reload: the caps of users who already have a ds01 parent cgroup (live containers or
// builds) follow the new policy at once, not only at their next create.
import type { AccountLookup } from '../identity/nss.js';
import { resolveLimits } from '../policy/resolve.js';
import type { Policy } from '../policy/types.js';
import { applyUserCgroup, CGROUP_ROOT, checkUserCgroup, usersWithCgroups } from './aggregate.js';

export interface ReapplyResult {
  applied: number[];
  failed: { uid: number; error: string }[];
}

export async function reapplyAggregates(
  policy: Policy,
  accounts: AccountLookup,
  now: Date,
  root: string = CGROUP_ROOT,
): Promise<ReapplyResult> {
  const out: ReapplyResult = { applied: [], failed: [] };
  for (const uid of usersWithCgroups(root)) {
    try {
      const account = await accounts.byUid(uid);
      // A user who is gone keeps the caps they had (their containers are someone else's to clean up).
      if (!account) continue;
      // Aggregate enforcement turned off: lift the caps (null) rather than leave stale ones in force.
      const caps = policy.aggregateLimits ? resolveLimits(policy, account, now).aggregate : null;
      applyUserCgroup(uid, caps, root);
      out.applied.push(uid);
    } catch (err) {
      out.failed.push({ uid, error: (err as Error).message });
    }
  }
  return out;
}

/** For doctor: each user with live containers whose parent cgroup is missing or differs from the policy. */
export async function auditAggregates(
  policy: Policy,
  liveOwners: readonly number[],
  accounts: AccountLookup,
  now: Date,
  root: string = CGROUP_ROOT,
): Promise<{ uid: number; problems: string[] }[]> {
  const out: { uid: number; problems: string[] }[] = [];
  for (const uid of new Set(liveOwners)) {
    const account = await accounts.byUid(uid);
    if (!account) continue;
    const problems = checkUserCgroup(uid, resolveLimits(policy, account, now).aggregate, root);
    if (problems.length) out.push({ uid, problems });
  }
  return out;
}

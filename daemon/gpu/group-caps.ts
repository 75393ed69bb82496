// group_max_gpus as the allocator sees it (pure): each owner's policy group (the same rule as their limits:
// user_groups, members, Linux group, default group) and each group's cap. Owners are looked up once each.

import { type PolicyUser, resolveGroup } from '../policy/resolve.js';
import type { Policy } from '../policy/types.js';
import type { AllocationFailure, AllocationRequest, LiveAllocation } from './allocator.js';

/**
 * `group_max_gpus` (a group key): GPU slots all members of a group may hold together, held ones too, counted
 * as `max_mig_instances` counts them (a MIG slice is one slot) and as Slurm's GrpTRES gres/gpu does.
 */
export interface GroupCaps {
  /** The policy group an owner belongs to. */
  groupOf(uid: number): string;
  /** The group's cap; null = none. */
  maxOf(group: string): number | null;
}

/** What a group holds now (live slots of every member, held ones too). */
export function groupHeld(groups: GroupCaps, group: string, allocations: readonly LiveAllocation[]): number {
  return allocations.filter((a) => groups.groupOf(a.ownerUid) === group).length;
}

/**
 * The allocator's group check: a request larger than the group's cap can never be served (a quota error);
 * one that fits the cap but not what the group holds now waits like a lack of capacity, for a member to
 * release a slot.
 */
export function groupCheck(
  groups: GroupCaps,
  request: Pick<AllocationRequest, 'ownerUid' | 'count'>,
  allocations: readonly LiveAllocation[],
): AllocationFailure | null {
  const name = groups.groupOf(request.ownerUid);
  const max = groups.maxOf(name);
  if (max === null) return null;
  if (request.count > max) {
    return {
      ok: false,
      code: 'QUOTA_EXCEEDED',
      limit: 'group_max_gpus',
      current: 0,
      requested: request.count,
      max,
      message: `Your group ${name} may hold at most ${max} GPU slot(s) in all (group_max_gpus); you asked for ${request.count}.`,
      hint: `Ask for at most ${max} slot(s), or ask an admin to raise group_max_gpus.`,
    };
  }
  const held = groupHeld(groups, name, allocations);
  if (held + request.count <= max) return null;
  return {
    ok: false,
    code: 'NO_CAPACITY',
    message: `Your group ${name} holds ${held} of its ${max} GPU slot(s) (group_max_gpus, running or held); ${request.count} more would exceed it.`,
    hint: 'Run the same command with --queue to wait; it starts by itself when a member of your group releases a slot.',
    group: { name, held, max },
  };
}

export function groupCapsFor(policy: Policy, accountOf: (uid: number) => PolicyUser): GroupCaps {
  const memo = new Map<number, string>();
  return {
    groupOf(uid) {
      let g = memo.get(uid);
      if (g === undefined) {
        g = resolveGroup(policy, accountOf(uid)).group;
        memo.set(uid, g);
      }
      return g;
    },
    maxOf: (group) => policy.groups[group]?.groupMaxGpus ?? null,
  };
}

/** Whether any group has a cap (else callers need not look owners up at all). */
export function anyGroupCap(policy: Policy): boolean {
  return Object.values(policy.groups).some((g) => g.groupMaxGpus !== null);
}

/**
 * Why a waiting request cannot be served now because of its group's cap, or null: what `gpu-queue` shows
 * instead of a time (only a member's release helps, which no deadline predicts for this group).
 */
export function groupBlock(
  groups: GroupCaps,
  allocations: readonly LiveAllocation[],
  request: { ownerUid: number; count: number },
): string | null {
  const name = groups.groupOf(request.ownerUid);
  const max = groups.maxOf(name);
  if (max === null) return null;
  const held = groupHeld(groups, name, allocations);
  if (held + request.count <= max) return null;
  return `group_max_gpus: your group ${name} holds ${held} of its ${max} GPU slot(s); served when a member releases one`;
}

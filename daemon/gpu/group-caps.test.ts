import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../policy/load.js';
import { groupBlock, groupCapsFor } from './group-caps.js';

describe('groupCapsFor', () => {
  it('puts owners in groups by the policy’s rule (members, Linux group, default) and reads group_max_gpus', () => {
    const r = parsePolicy(
      'default_group: others\ngroups:\n  students:\n    group_max_gpus: 2\n    members: [alice]\n  lab:\n    members: []\n  others: {}\n',
      'p.yaml',
    );
    if (!r.ok) throw new Error(JSON.stringify(r));
    const accounts: Record<number, { name: string; groups: string[] }> = {
      1: { name: 'alice', groups: [] },
      2: { name: 'bob', groups: ['students'] },
      3: { name: 'carol', groups: [] },
    };
    const caps = groupCapsFor(r.policy, (uid) => accounts[uid] ?? { name: String(uid), groups: [] });
    expect([1, 2, 3].map((u) => caps.groupOf(u))).toEqual(['students', 'students', 'others']);
    expect(caps.maxOf('students')).toBe(2);
    expect(caps.maxOf('others')).toBeNull();
    const live = [1, 2].map((uid, i) => ({
      slotUuid: `s${i}`,
      ownerUid: uid,
      containerId: 'c',
      state: 'active' as const,
      heldSince: null,
    }));
    expect(groupBlock(caps, live, { ownerUid: 2, count: 1 })).toBe(
      'group_max_gpus: your group students holds 2 of its 2 GPU slot(s); served when a member releases one',
    );
    expect(groupBlock(caps, live.slice(1), { ownerUid: 2, count: 1 })).toBeNull();
    expect(groupBlock(caps, live, { ownerUid: 3, count: 1 })).toBeNull();
  });
});

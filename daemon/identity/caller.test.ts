import { describe, expect, it } from 'vitest';
import { callerResolver, isAdmin } from './caller.js';
import type { Account } from './nss.js';

const policy = { admin: { group: 'ds01-admin', users: ['boss'] } };
const acct = (name: string, groups: string[] = []): Account => ({
  uid: 1000,
  gid: 1000,
  name,
  home: `/home/${name}`,
  shell: '/bin/sh',
  groups,
});

describe('isAdmin', () => {
  it('is root, a named admin user, or a member of the admin group', () => {
    expect(isAdmin(policy, 0, acct('root'))).toBe(true);
    expect(isAdmin(policy, 1000, acct('boss'))).toBe(true);
    expect(isAdmin(policy, 1000, acct('ann', ['ann', 'ds01-admin']))).toBe(true);
    expect(isAdmin(policy, 1000, acct('ann', ['ann', 'video']))).toBe(false);
  });
});

describe('callerResolver', () => {
  it('joins the peer credentials with the account; null when the uid has no account', async () => {
    const resolve = callerResolver(
      { byUid: async (uid) => (uid === 1000 ? acct('ann', ['ann', 'ds01-admin']) : null) },
      () => policy,
    );
    expect(await resolve({ uid: 1000, gid: 50, pid: 7 })).toEqual({
      uid: 1000,
      gid: 50,
      pid: 7,
      name: 'ann',
      home: '/home/ann',
      groups: ['ann', 'ds01-admin'],
      admin: true,
    });
    expect(await resolve({ uid: 1001, gid: 50, pid: 7 })).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import {
  type AccessFacts,
  accessChecks,
  dockerAccessCheck,
  policyFileCheck,
  stateDirCheck,
} from './access.js';

const S_IFSOCK = 0o140000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const facts = (over: Partial<AccessFacts> = {}): AccessFacts => ({
  dockerSocket: { path: '/var/run/docker.sock', mode: S_IFSOCK | 0o660, uid: 0, gid: 999, group: 'docker' },
  dockerSocketError: null,
  dockerGroupMembers: [],
  stateDir: { path: '/var/lib/ds01', mode: S_IFDIR | 0o700, uid: 0, gid: 0, group: 'root' },
  policyFile: {
    path: '/etc/ds01/resource-limits.yaml',
    mode: S_IFREG | 0o644,
    uid: 0,
    gid: 0,
    group: 'root',
  },
  policyDir: { path: '/etc/ds01', mode: S_IFDIR | 0o755, uid: 0, gid: 0, group: 'root' },
  ...over,
});

describe('docker socket access', () => {
  it('an empty docker group is fine; members are named and fail', () => {
    expect(dockerAccessCheck(facts()).status).toBe('ok');
    const c = dockerAccessCheck(facts({ dockerGroupMembers: ['alice', 'bob'] }));
    expect(c.status).toBe('fail');
    expect(c.detail).toContain('alice, bob');
    expect(c.hint).toContain('gpasswd -d USER docker');
  });
  it('members do not matter when the group cannot write the socket', () => {
    const sock = { path: '/s', mode: S_IFSOCK | 0o600, uid: 0, gid: 999, group: 'docker' };
    expect(dockerAccessCheck(facts({ dockerSocket: sock, dockerGroupMembers: ['alice'] })).status).toBe('ok');
  });
  it('a world-writable or non-root socket fails', () => {
    const open = { path: '/s', mode: S_IFSOCK | 0o666, uid: 0, gid: 0, group: 'root' };
    expect(dockerAccessCheck(facts({ dockerSocket: open })).status).toBe('fail');
    const mine = { path: '/s', mode: S_IFSOCK | 0o600, uid: 1000, gid: 0, group: 'root' };
    expect(dockerAccessCheck(facts({ dockerSocket: mine })).detail).toContain('uid 1000');
  });
});

describe('state dir and policy file', () => {
  it('root-only passes', () => {
    expect(accessChecks(facts()).map((c) => c.status)).toEqual(['ok', 'ok', 'ok']);
  });
  it('a readable or user-owned state dir fails', () => {
    const d = { path: '/var/lib/ds01', mode: S_IFDIR | 0o755, uid: 0, gid: 0, group: 'root' };
    expect(stateDirCheck(facts({ stateDir: d })).status).toBe('fail');
    expect(stateDirCheck(facts({ stateDir: null })).status).toBe('fail');
  });
  it('a group-writable policy file or directory fails, naming which', () => {
    const f = {
      path: '/etc/ds01/resource-limits.yaml',
      mode: S_IFREG | 0o664,
      uid: 0,
      gid: 50,
      group: 'staff',
    };
    const c = policyFileCheck(facts({ policyFile: f }));
    expect(c.status).toBe('fail');
    expect(c.detail).toContain('group staff');
    const dir = { path: '/etc/ds01', mode: S_IFDIR | 0o777, uid: 0, gid: 0, group: 'root' };
    expect(policyFileCheck(facts({ policyDir: dir })).detail).toContain(
      '/etc/ds01 mode 0777 lets every user',
    );
  });
});

// Real Linux users: tests running as root create throwaway users and run processes as them, so the
// daemon's peer-credential checks are exercised for real.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTestUsers, createTestUser, isRoot, runAs } from '../harness/users.js';

describe.skipIf(!isRoot())('test users (root only)', () => {
  afterAll(cleanupTestUsers);

  it('creates two users and a process started as each reports that uid', async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    expect(alice.uid).not.toBe(bob.uid);
    for (const u of [alice, bob]) {
      const id = await runAs(u, 'id', ['-u']);
      expect(id.code).toBe(0);
      expect(Number(id.stdout.trim())).toBe(u.uid);
      const name = await runAs(u, 'id', ['-un']);
      expect(name.stdout.trim()).toBe(u.name);
    }
  });

  it('the user cannot act as root', async () => {
    const carol = await createTestUser();
    const r = await runAs(carol, 'cat', ['/etc/shadow']);
    expect(r.code).not.toBe(0);
  });
});

// `ds01 doctor` names everyone who can use Docker's socket without ds01 (users migrated from the old system
// stay in the `docker` group: root-equivalent, past every limit), and checks what README says it checks:
// the state directory and the policy file writable only by root. Real users and groups through NSS; the
// daemon talks to the real dockerd through a socket of its own whose group the test controls (so the
// shared dockerd's socket is never changed under other test files).
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DoctorCheck } from '../../daemon/api/types/index.js';
import { startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { execFileText } from '../harness/exec.js';
import {
  addToGroup,
  cleanupTestUsers,
  createTestGroup,
  createTestUser,
  isRoot,
  type TestUser,
} from '../harness/users.js';

let d: TestDaemon;
let proxy: net.Server;
let dir: string;
let sock: string;
let group: string;
let alice: TestUser;

async function check(id: string): Promise<DoctorCheck> {
  const r = await d.cli(['doctor', '--json']);
  const c = JSON.parse(r.stdout).checks.find((x: DoctorCheck) => x.id === id);
  expect(c, r.stdout).toBeTruthy();
  return c;
}

describe.skipIf(!isRoot())('doctor: access to Docker and to what ds01d trusts', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ds01-dockerproxy-'));
    sock = join(dir, 'docker.sock');
    const real = inject('dockerSocket');
    proxy = net.createServer((c) => {
      const up = net.connect(real);
      c.pipe(up).pipe(c);
      c.on('error', () => up.destroy());
      up.on('error', () => c.destroy());
    });
    await new Promise<void>((r) => proxy.listen(sock, r));
    group = await createTestGroup();
    const gid = Number((await execFileText('getent', ['group', group])).split(':')[2]);
    chownSync(sock, 0, gid);
    chmodSync(sock, 0o660);
    alice = await createTestUser();
    d = await startTestDaemon({ dockerHost: `unix://${sock}` });
  });
  afterAll(async () => {
    await d?.cleanup();
    proxy?.close();
    rmSync(dir, { recursive: true, force: true });
    await cleanupTestUsers();
  });

  it("lists the members of the socket's group (named or primary) as a failure with the fix", async () => {
    expect((await check('docker-access')).status).toBe('ok'); // the group has no members yet
    await addToGroup(alice.name, group);
    const bob = await createTestUser();
    await execFileText('usermod', ['-g', group, bob.name]); // a primary-group member counts too
    const c = await check('docker-access');
    expect(c.status).toBe('fail');
    expect(c.detail).toContain(alice.name);
    expect(c.detail).toContain(bob.name);
    expect(c.detail).toContain(`root:${group}`);
    expect(c.hint).toContain(`gpasswd -d USER ${group}`);
    const human = await d.cli(['doctor']);
    expect(human.code).toBe(1);
    // The fix the hint names works: afterwards doctor is satisfied.
    await execFileText('gpasswd', ['-d', alice.name, group]);
    await execFileText('usermod', ['-g', bob.name, bob.name]);
    expect((await check('docker-access')).status).toBe('ok');
  });

  it('a world-writable Docker socket fails', async () => {
    chmodSync(sock, 0o666);
    try {
      expect((await check('docker-access')).detail).toMatch(/every user may connect/);
    } finally {
      chmodSync(sock, 0o660);
    }
  });

  it('the state directory and the policy file must be root-only', async () => {
    expect((await check('state-dir')).status).toBe('ok');
    expect((await check('policy-perms')).status).toBe('ok');
    chmodSync(d.stateDir, 0o755);
    chmodSync(d.policyPath, 0o666);
    try {
      const s = await check('state-dir');
      expect(s.status).toBe('fail');
      expect(s.hint).toContain('chmod 0700');
      const p = await check('policy-perms');
      expect(p.status).toBe('fail');
      expect(p.detail).toMatch(/every user/);
    } finally {
      chmodSync(d.stateDir, 0o700);
      chmodSync(d.policyPath, 0o644);
    }
    chownSync(d.policyPath, alice.uid, alice.gid);
    try {
      expect((await check('policy-perms')).detail).toContain(`owned by uid ${alice.uid}`);
    } finally {
      chownSync(d.policyPath, 0, 0);
    }
  });
});

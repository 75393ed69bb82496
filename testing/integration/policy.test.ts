// The policy in a running daemon: bad edits never take effect, good ones do within seconds, Linux
// group membership picks the group, and the policies of the system we replace load as meant.
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { editPolicy, FIXTURES, REPO, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import {
  addToGroup,
  cleanupTestUsers,
  createTestGroup,
  createTestUser,
  isRoot,
  type TestUser,
} from '../harness/users.js';
import { until } from '../harness/wait.js';

const BROKEN = join(FIXTURES, 'policies/broken');
const COMPAT = join(REPO, '../shared/ds01-compat');
let d: TestDaemon;
let student: TestUser;
const good = join(FIXTURES, 'policies/test-fast.yaml');

describe.skipIf(!isRoot())('policy in a running daemon', () => {
  beforeAll(async () => {
    student = await createTestUser();
    d = await startTestDaemon({ dockerHost: inject('dockerHost') });
  });
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('every broken policy is refused with its file:line:col and the daemon keeps serving the last good one', async () => {
    const files = readdirSync(BROKEN).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(30);
    const before = (await d.request('GET', '/v1/limits/me')).body;
    for (const f of files) {
      copyFileSync(join(BROKEN, f), d.policyPath);
      const r = await d.request('POST', '/v1/admin/policy/reload');
      expect(r.status, f).toBe(422);
      expect(r.body.error.code, f).toBe('INVALID_POLICY');
      expect(r.body.error.message, f).toMatch(
        new RegExp(`${d.policyPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: error`),
      );
      // Still serving, on the last good policy.
      const who = await d.cli(['whoami', '--json'], student);
      expect(who.code, `${f}: ${who.stderr}`).toBe(0);
      expect((await d.request('GET', '/v1/limits/me')).body.limits).toEqual(before.limits);
    }
    const status = JSON.parse((await d.cli(['status', '--json'])).stdout);
    expect(status.policy.lastError).toMatch(/error/);
    const human = await d.cli(['status'], student);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/keeps serving on the last good policy/);
    // Restored: the error clears.
    copyFileSync(good, d.policyPath);
    expect((await d.request('POST', '/v1/admin/policy/reload')).status).toBe(200);
    expect(JSON.parse((await d.cli(['status', '--json'])).stdout).policy.lastError).toBeNull();
    const rejected = (await d.request('GET', '/v1/events?kind=policy.rejected&limit=1000')).body;
    expect(rejected.length).toBeGreaterThan(0);
  });

  it('a valid edit takes effect within seconds without SIGHUP, recorded with a diff per group', async () => {
    const me = async () => JSON.parse((await d.cli(['check-limits', '--json'], student)).stdout);
    expect((await me()).limits.find((l: { key: string }) => l.key === 'max_mig_instances').value).toBe(2);
    editPolicy(d.policyPath, { 'groups.students.max_mig_instances': 3 }); // the file watcher sees it
    const after = await until(
      me,
      (r) => r.limits.find((l: { key: string }) => l.key === 'max_mig_instances').value === 3,
    );
    const line = after.limits.find((l: { key: string }) => l.key === 'max_mig_instances');
    expect(line).toMatchObject({ value: 3, source: 'groups.students' });
    const ev = (await d.request('GET', '/v1/events?kind=policy.reloaded')).body.at(-1);
    expect(ev.data.changes).toContainEqual({
      group: 'students',
      status: 'changed',
      changes: [{ key: 'maxMigInstances', before: 2, after: 3 }],
    });
  });

  it('an invalid edit picked up by the watcher never takes effect', async () => {
    copyFileSync(join(BROKEN, 'negative-number.yaml'), d.policyPath);
    const s = await until(
      async () => JSON.parse((await d.cli(['status', '--json'])).stdout),
      (x) => x.policy.lastError !== null,
    );
    expect(s.policy.lastError).toMatch(/negative-number|error/);
    const limits = JSON.parse((await d.cli(['check-limits', '--json'], student)).stdout);
    expect(limits.limits.find((l: { key: string }) => l.key === 'max_mig_instances').value).toBe(3);
    copyFileSync(good, d.policyPath);
    await until(
      async () => JSON.parse((await d.cli(['status', '--json'])).stdout),
      (x) => x.policy.lastError === null,
    );
  });

  it('membership through a real Linux group of the same name', async () => {
    const g = await createTestGroup('ds01lab');
    const member = await createTestUser();
    await addToGroup(member.name, g);
    editPolicy(d.policyPath, { [`groups.${g}`]: { priority: 50, max_mig_instances: 4 } });
    expect((await d.request('POST', '/v1/admin/policy/reload')).status).toBe(200);
    const r = JSON.parse((await d.cli(['check-limits', '--json'], member)).stdout);
    expect(r).toMatchObject({ user: member.name, group: g, groupVia: 'linux-group' });
    expect(r.limits.find((l: { key: string }) => l.key === 'priority')).toMatchObject({
      value: 50,
      source: `groups.${g}`,
    });
    // A user outside the group keeps the default group.
    const other = JSON.parse((await d.cli(['check-limits', '--json'], student)).stdout);
    expect(other).toMatchObject({ group: 'students', groupVia: 'default-group' });
    // Users cannot read each other's limits; admins can.
    const denied = await d.cli(['check-limits', member.name], student);
    expect(denied.code).toBe(3);
    const explained = await d.cli(['config', 'explain', member.name]);
    expect(explained.code, explained.stderr).toBe(0);
    expect(explained.stdout).toContain(`group "${g}" (Linux group of the same name)`);
    expect(explained.stdout).toMatch(/max_mig_instances\s+4\s+groups\./);
  });

  it("an edit changes a real user's next deploy without a restart; running containers keep theirs", async () => {
    const docker = new Docker({ socketPath: inject('dockerSocket') });
    const memoryOf = async (name: string) => {
      const list = JSON.parse((await d.cli(['container-list', '--json'], student)).stdout) as {
        name: string;
        id: string;
      }[];
      const id = list.find((c) => c.name === name)?.id;
      expect(id, name).toBeTruthy();
      return (await docker.getContainer(id as string).inspect()).HostConfig.Memory;
    };
    const deploy = (name: string) =>
      d.cli(
        ['container-deploy', name, '--image', inject('baseImage'), '--cpu-only', '--background', '--yes'],
        student,
      );
    let r = await deploy('before');
    expect(r.code, r.stderr).toBe(0);
    expect(await memoryOf('before')).toBe(256 * 1024 ** 2);

    editPolicy(d.policyPath, { 'defaults.memory': '384m', 'defaults.memory_swap': '384m' });
    await until(
      async () => JSON.parse((await d.cli(['check-limits', '--json'], student)).stdout),
      (x) => x.limits.find((l: { key: string }) => l.key === 'memory').value === 384 * 1024 ** 2,
    );
    r = await deploy('after');
    expect(r.code, r.stderr).toBe(0);
    expect(await memoryOf('after')).toBe(384 * 1024 ** 2);
    expect(await memoryOf('before')).toBe(256 * 1024 ** 2); // created under the old policy, unchanged
    for (const n of ['before', 'after'])
      expect((await d.cli(['container-retire', n, '--yes'], student)).code).toBe(0);
    copyFileSync(good, d.policyPath);
    expect((await d.request('POST', '/v1/admin/policy/reload')).status).toBe(200);
  });

  it('check-limits draws usage bars and lifecycle timeouts for a person', async () => {
    const r = await d.cli(['check-limits'], student);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/max_mig_instances\s+\[\.+\] 0\/2/);
    expect(r.stdout).toMatch(/idle_timeout: 20s/);
  });
});

describe.skipIf(!isRoot() || !existsSync(COMPAT))(
  'policies of the system ds01 replaces (../shared/ds01-compat)',
  () => {
    const files = existsSync(COMPAT) ? readdirSync(COMPAT).filter((f) => f.endsWith('.yaml')) : [];
    let c: TestDaemon;
    beforeAll(async () => {
      c = await startTestDaemon({ dockerHost: inject('dockerHost') });
    });
    afterAll(async () => {
      await c?.cleanup();
      await cleanupTestUsers();
    });

    it.each(files)(
      '`ds01 config check %s` accepts it, naming what it maps and what it ignores',
      async (f) => {
        const r = await c.cli(['config', 'check', join(COMPAT, f)]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(r.stderr).toMatch(/valid/);
        expect(r.stdout).toMatch(/warning: .*(container_types|bare_metal_access|monitoring)/);
      },
    );

    it.each(files)('a daemon runs on %s and explains the limits its groups meant', async (f) => {
      const u = await createTestUser();
      const d2 = await startTestDaemon({ dockerHost: inject('dockerHost'), policy: join(COMPAT, f) });
      try {
        const ex = await d2.cli(['config', 'explain', u.name]);
        expect(ex.code, ex.stderr).toBe(0);
        expect(ex.stdout).toContain('group "student" (default_group)');
        expect(ex.stdout).toMatch(/max_cpus\s+32/);
        expect(ex.stdout).toMatch(/idle_timeout\s+30m/);
        expect(ex.stdout).toMatch(/max_runtime\s+(24h|1d)/);
      } finally {
        await d2.cleanup();
      }
    });
  },
);

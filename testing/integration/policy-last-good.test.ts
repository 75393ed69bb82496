// A rejected edit left on disk never locks everyone out at the next start: ds01d keeps the last policy that
// took effect in its state directory and starts on it (saying why in status, doctor and the dashboard);
// only a first start with no good policy ever is fatal. `ds01d --check-config` validates offline and
// `ds01 config check` falls back to it when the daemon is down.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DAEMON_JS, editPolicy, FIXTURES, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { execFileResult } from '../harness/exec.js';
import { cleanupTestUsers, createTestUser, isRoot, type TestUser } from '../harness/users.js';

const BROKEN = join(FIXTURES, 'policies/broken/admin-unknown-key.yaml');
const GOOD = join(FIXTURES, 'policies/test-fast.yaml');
let d: TestDaemon;
let student: TestUser;

const maxSlots = async (u: TestUser) =>
  JSON.parse((await d.cli(['check-limits', '--json'], u)).stdout).limits.find(
    (l: { key: string }) => l.key === 'max_mig_instances',
  ).value;

describe.skipIf(!isRoot())('the last good policy survives a restart', () => {
  beforeAll(async () => {
    student = await createTestUser();
    d = await startTestDaemon({ dockerHost: inject('dockerHost') });
  });
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('good policy → bad edit → restart: runs on the last good one and says why', async () => {
    editPolicy(d.policyPath, { 'groups.students.max_mig_instances': 3 });
    expect((await d.request('POST', '/v1/admin/policy/reload')).status).toBe(200);
    const saved = join(d.stateDir, 'policy.last-good.yaml');
    expect(readFileSync(saved, 'utf8')).toBe(readFileSync(d.policyPath, 'utf8'));
    expect(await maxSlots(student)).toBe(3);

    copyFileSync(BROKEN, d.policyPath);
    await d.stop();
    await d.restart(); // throws if ds01d does not become ready

    expect(await maxSlots(student)).toBe(3); // the saved policy, not the fixture's 2
    const status = JSON.parse((await d.cli(['status', '--json'])).stdout);
    expect(status.policy.lastError).toContain(`${d.policyPath}:`);
    expect(status.policy.lastError).toMatch(/:\d+:\d+: error/);
    expect(status.policy.runningOn).toMatchObject({ path: saved });
    const human = await d.cli(['status'], student);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/invalid when ds01d started; it runs on the last good policy saved/);

    const doctor = JSON.parse((await d.cli(['doctor', '--json'])).stdout);
    const check = doctor.checks.find((c: { id: string }) => c.id === 'policy');
    expect(check.status).toBe('warn');
    expect(check.detail).toContain(saved);
    const dash = await d.request('GET', '/v1/dashboard');
    expect(dash.body.policyError).toMatch(/:\d+:\d+: error/);
    expect(d.logs()).toMatch(/running on the last good policy/);
    // The bad file never overwrote the saved copy.
    expect(readFileSync(saved, 'utf8')).not.toBe(readFileSync(BROKEN, 'utf8'));

    // Fixed file: reload clears the error and the saved copy follows.
    copyFileSync(GOOD, d.policyPath);
    expect((await d.request('POST', '/v1/admin/policy/reload')).status).toBe(200);
    const after = JSON.parse((await d.cli(['status', '--json'])).stdout);
    expect(after.policy).toMatchObject({ lastError: null, runningOn: null });
    expect(readFileSync(saved, 'utf8')).toBe(readFileSync(GOOD, 'utf8'));
    expect(await maxSlots(student)).toBe(2);
  });

  it('a first start with an invalid file and nothing saved is refused, saying why', async () => {
    await expect(startTestDaemon({ dockerHost: inject('dockerHost'), policy: BROKEN })).rejects.toThrow(
      /no last good policy is saved/,
    );
  });

  it('ds01d --check-config validates offline with file:line:col (exit 0/1)', async () => {
    const ok = await execFileResult(process.execPath, [DAEMON_JS, '--check-config', GOOD]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain(`${GOOD}: valid`);
    const bad = await execFileResult(process.execPath, [DAEMON_JS, '--check-config', BROKEN]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      new RegExp(`${BROKEN.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: error`),
    );
    const missing = await execFileResult(process.execPath, [
      DAEMON_JS,
      '--check-config',
      '/nonexistent.yaml',
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/does not exist/);
  });

  it('ds01 config check falls back to the offline check when the daemon is unreachable', async () => {
    const env = { DS01_SOCKET: join(d.dir, 'no-such.sock') };
    const down = await d.cli(['config', 'check', BROKEN], undefined, { env });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/checking offline/);
    expect(down.stdout).toMatch(/:\d+:\d+: error/);
    // Same messages as the daemon's own check.
    const up = await d.cli(['config', 'check', BROKEN]);
    expect(up.stdout).toBe(down.stdout);
    const good = await d.cli(['config', 'check', GOOD], undefined, { env });
    expect(good.code, good.stderr).toBe(0);
    expect(existsSync(d.policyPath)).toBe(true);
  });
});

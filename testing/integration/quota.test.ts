// Storage quotas (issue 21) on the real daemon with real users and real files: alice's ~/workspace is filled
// past 80% of a 4 MiB quota (the schedule's scan finds it, she is warned once, at her next command), then past
// the hard limit (a deploy is refused naming her largest directory; retire/remove still work), then cleaned up
// (allowed again after `ds01 quota --refresh`). A symlink to / and an unreadable directory neither count nor
// stop the scan. Bob's built image is counted as his image storage, over the busybox base, and a build over
// his image quota is refused.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DashboardData } from '../../daemon/api/types/dashboard.js';
import type { QuotaReport } from '../../daemon/api/types/quota.js';
import { editPolicy, startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { cleanupTestUsers, isRoot, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

const MiB = 1024 * 1024;
const image = inject('baseImage');
const OFFLINE = ['--base', image, '--no-jupyter', '--no-datascience', '--yes'];
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser; // admin

/** A file of `bytes` real (non-sparse) bytes owned by the user, with its directories. */
function fill(u: TestUser, rel: string, bytes: number) {
  const path = join(u.home, 'workspace', rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, Buffer.alloc(bytes, 7));
  execFileSync('chown', ['-R', `${u.uid}:${u.gid}`, join(u.home, 'workspace')]);
}

/** What each user's commands printed on stderr before their answers: unread notices are shown there. */
const told = new Map<number, string>();

async function quota(u: TestUser, ...args: string[]): Promise<QuotaReport> {
  const r = await d.cli(['quota', '--json', ...args], u);
  told.set(u.uid, (told.get(u.uid) ?? '') + r.stderr);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as QuotaReport;
}

async function events(kind: string, u: TestUser) {
  const r = await d.cli(['events', '--kind', kind, '--json'], u);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { kind: string; subjectUid: number; reason: string }[];
}

describe.runIf(isRoot())('storage quotas', () => {
  beforeAll(async () => {
    ({ d, alice, bob, carol } = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      env: { DS01_QUOTA_SCAN_INTERVAL: '2' },
      policyEdits: { 'defaults.storage_workspace': '4m', 'defaults.storage_images': '1g' },
    }));
  }, 120_000);

  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('warns once at 80%, on the schedule, at the next command; links out and unreadable files do not count', async () => {
    fill(alice, 'big/blob.bin', Math.round(3.3 * MiB));
    symlinkSync('/', join(alice.home, 'workspace/root-link'));
    fill(alice, 'locked/secret', 4096);
    chmodSync(join(alice.home, 'workspace/locked'), 0o000);
    // alice is known to ds01 once she has done something: her first command.
    expect((await d.cli(['container-list'], alice)).code).toBe(0);
    // No --refresh: the schedule (every 2 s here) measures her.
    const r = await until(
      () => quota(alice),
      (q) => q.workspace.level === 'soft',
      60_000,
      500,
    );
    expect(r.workspace.usedBytes).toBeGreaterThan(3.3 * MiB);
    expect(r.workspace.usedBytes).toBeLessThan(3.5 * MiB); // neither / nor anything else behind the link
    expect(r.workspace.hardBytes).toBe(4 * MiB);
    expect(r.workspace.largest[0]).toMatchObject({ name: 'big' });
    expect(r.workspace.largest.map((l) => l.name)).toContain('locked');
    // Her next command after the scan printed the warning first (once: it is then marked shown).
    const next = await d.cli(['container-list'], alice);
    const shown = (told.get(alice.uid) ?? '') + next.stderr;
    expect(shown.match(/your ~\/workspace uses 3\.\d MiB, 8\d% of its 4\.0 MiB quota/g)).toHaveLength(1);
    expect(shown).toContain('big (3.3 MiB)');
    // More scans at the same level tell her nothing new.
    await quota(alice, '--refresh');
    await quota(alice, '--refresh');
    expect((await events('quota.warning', alice)).length).toBe(1);
    const table = await d.cli(['quota'], alice);
    expect(table.stdout).toMatch(/~\/workspace\s+3\.\d MiB\s+4\.0 MiB\s+8\d%\s+warning/);
  }, 120_000);

  it('over the hard limit a deploy is refused naming the largest directory; retire and remove still work', async () => {
    expect((await d.cli(['container-create', 'keep', '--image', image, '--cpu-only'], alice)).code).toBe(0);
    fill(alice, 'small/more.bin', Math.round(0.9 * MiB));
    const r = await quota(alice, '--refresh');
    expect(r.workspace.level).toBe('hard');
    const refused = await d.cli(
      ['container-deploy', 'web', '--image', image, '--cpu-only', '--background'],
      alice,
    );
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(
      /container-deploy refused: your ~\/workspace uses 4\.\d MiB of its 4\.0 MiB quota/,
    );
    expect(refused.stderr).toContain('big (3.3 MiB)');
    expect(refused.stderr).toContain('ds01 quota --refresh');
    const json = await d.cli(['container-create', 'x', '--image', image, '--cpu-only', '--json'], alice);
    expect(JSON.parse(json.stdout).error.code).toBe('QUOTA_EXCEEDED');
    // What frees space or stops things keeps working.
    expect((await d.cli(['container-remove', 'keep', '--yes'], alice)).code).toBe(0);
    expect((await events('quota.warning', alice)).length).toBe(2); // soft, then hard: one each
    // An admin sees it too.
    const all = await d.cli(['quota', '--all'], carol);
    expect(all.stdout).toMatch(
      new RegExp(`${alice.name}\\s+4\\.\\d MiB / 4\\.0 MiB\\s+1\\d\\d%.*over: workspace`),
    );
    const other = await d.cli(['quota', '--user', alice.name], bob);
    expect(other.code).toBe(3);
    // The dashboard: alice sees her own line, the admin sees her among those near or over.
    const dash = async (u: TestUser) =>
      JSON.parse((await d.cli(['dashboard', '--json'], u)).stdout) as DashboardData;
    // Her own lines are shown whatever their level (images: 0 B of 1 GiB, ok); others only near or over.
    expect((await dash(alice)).storage?.map((x) => `${x.kind} ${x.level} ${x.hardBytes}`)).toEqual([
      `workspace hard ${4 * MiB}`,
      `images ok ${1024 * MiB}`,
    ]);
    expect((await dash(carol)).storage?.map((x) => `${x.user} ${x.kind} ${x.level}`)).toContain(
      `${alice.name} workspace hard`,
    );
    expect((await dash(bob)).storage?.map((x) => x.user)).not.toContain(alice.name);
  }, 120_000);

  it('after deleting files and a refresh the deploy is allowed again', async () => {
    rmSync(join(alice.home, 'workspace/big'), { recursive: true });
    const r = await quota(alice, '--refresh');
    expect(r.workspace.level).toBe('ok');
    const ok = await d.cli(['container-create', 'web', '--image', image, '--cpu-only'], alice);
    expect(ok.code, ok.stderr).toBe(0);
    expect((await events('quota.cleared', alice)).length).toBe(1);
    expect((await d.cli(['container-remove', 'web', '--yes'], alice)).code).toBe(0);
  }, 120_000);

  it("counts a user's built image over its shared base, and refuses a build over the image quota", async () => {
    const built = await d.cli(['image', 'create', 'proj', ...OFFLINE], bob);
    expect(built.code, built.stderr).toBe(0);
    const docker = new Docker({ socketPath: inject('dockerSocket') });
    const mine = await docker.getImage(`ds01-${bob.uid}/proj:latest`).inspect();
    const base = await docker.getImage(image).inspect();
    const r = await quota(bob, '--refresh');
    expect(r.images.usedBytes).toBe(mine.Size - base.Size);
    expect(r.images.largest[0]).toMatchObject({ name: `ds01-${bob.uid}/proj:latest` });
    editPolicy(d.policyPath, { [`user_overrides.${bob.name}.storage_images`]: 1 });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
    await quota(bob, '--refresh');
    const refused = await d.cli(['image', 'create', 'proj2', ...OFFLINE], bob);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/your images use .* of its 1 B quota \(storage_images\)/);
    expect(refused.stderr).toContain(`ds01-${bob.uid}/proj:latest`);
    expect(refused.stderr).toContain('image-delete');
    expect((await d.cli(['image', 'delete', 'proj'], bob)).code).toBe(0);
    expect((await quota(bob, '--refresh')).images.usedBytes).toBe(0);
  }, 180_000);
});

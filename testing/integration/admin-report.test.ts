// `ds01 admin report --month` on a seeded month (issue 21): last month's allocations, hourly rollups and a
// queue wait are written into the real daemon's database (as ds01d would have left them once its samples
// were pruned), and the report's numbers must equal `ds01 usage` over the same month — and the seeded
// GPU-hours themselves. Plain users are refused; CSV and the table come from the same data.
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MonthReport, UsageReport } from '../../daemon/api/types/index.js';
import { openDatabase } from '../../daemon/store/db.js';
import { editPolicy, startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { cleanupTestUsers, createTestUser, isRoot, type TestUser } from '../harness/users.js';

const H = 3_600_000;
const image = inject('baseImage');
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;

// Last calendar month (UTC), whatever today is.
const now = new Date();
const M = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
const END = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
const month = new Date(M).toISOString().slice(0, 7);
let g1 = 0; // GPU-equivalents of alice's slot
let g2 = 0; // and of bob's (a bigger one)

function seed() {
  const db = openDatabase(d.dbPath);
  try {
    const slots = db
      .prepare('SELECT uuid, gpu_equivalents AS ge FROM gpu_slots ORDER BY gpu_equivalents')
      .all() as { uuid: string; ge: number }[];
    const small = slots[0] as { uuid: string; ge: number };
    const big = slots[slots.length - 1] as { uuid: string; ge: number };
    g1 = small.ge;
    g2 = big.ge;
    expect(g2).toBeGreaterThan(g1);
    const container = db.prepare(
      `INSERT INTO containers (id, name, project, owner_uid, owner_name, image, state, created_at, started_at, stopped_at, removed_at)
       VALUES (?, ?, ?, ?, ?, 'sha256:seed', 'removed', ?, ?, ?, ?)`,
    );
    const alloc = db.prepare(
      `INSERT INTO allocations (slot_uuid, container_id, owner_uid, state, allocated_at, released_at, release_reason)
       VALUES (?, ?, ?, 'released', ?, ?, 'seeded')`,
    );
    const rollup = db.prepare(
      'INSERT INTO usage_rollups (container_id, hour, measured_ms, busy_ms) VALUES (?, ?, ?, ?)',
    );
    db.transaction(() => {
      // alice: 14 h on the small slot on day 10, busy the first 7 hours.
      const a0 = M + 9 * 24 * H;
      container.run(
        'seed-alice',
        `octa._.${alice.uid}`,
        'octa',
        alice.uid,
        alice.name,
        a0,
        a0,
        a0 + 14 * H,
        a0 + 14 * H,
      );
      alloc.run(small.uuid, 'seed-alice', alice.uid, a0, a0 + 14 * H);
      for (let h = 0; h < 14; h++) rollup.run('seed-alice', a0 + h * H, H, h < 7 ? H : 0);
      // alice: a reservation across the month's start (2 h inside it), never measured.
      alloc.run(small.uuid, null, alice.uid, M - 2 * H, M + 2 * H);
      // bob: 7 h on the big slot on day 20, all idle, after waiting 1 h in the queue.
      const b0 = M + 19 * 24 * H + 10 * H;
      container.run(
        'seed-bob',
        `octb._.${bob.uid}`,
        'octb',
        bob.uid,
        bob.name,
        b0,
        b0,
        b0 + 7 * H,
        b0 + 7 * H,
      );
      alloc.run(big.uuid, 'seed-bob', bob.uid, b0, b0 + 7 * H);
      for (let h = 0; h < 7; h++) rollup.run('seed-bob', b0 + h * H, H, 0);
      db.prepare(
        `INSERT INTO queue (owner_uid, owner_name, request_json, priority, enqueued_at, state, ended_at)
         VALUES (?, ?, '{}', 10, ?, 'served', ?)`,
      ).run(bob.uid, bob.name, b0 - H, b0);
    })();
  } finally {
    db.close();
  }
}

// The usage service rounds GPU-hours to three decimals.
const close = (a: number, b: number) => expect(a).toBeCloseTo(b, 2);

describe.skipIf(!isRoot())('ds01 admin report on a seeded month', () => {
  beforeAll(async () => {
    ({ d, alice, bob, carol } = await startDaemonWithCast({ dockerHost: inject('dockerHost') }));
    editPolicy(d.policyPath, { 'groups.researchers.members': [bob.name] });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
    seed();
  });
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('equals ds01 usage over the same month, and the seeded GPU-hours', async () => {
    const r = await d.cli(['admin', 'report', '--month', month, '--json'], carol);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as MonthReport;
    const period = ['--from', new Date(M).toISOString(), '--to', new Date(END).toISOString(), '--json'];
    const byUser = JSON.parse((await d.cli(['usage', ...period], carol)).stdout) as UsageReport;
    const byGroup = JSON.parse(
      (await d.cli(['usage', '--by', 'group', ...period], carol)).stdout,
    ) as UsageReport;
    const strip = ({ jobs: _j, jobGpuHours: _h, ...row }: MonthReport['users'][number]) => row;
    expect(rep.users.map(strip)).toEqual(byUser.rows);
    expect(rep.groups.map(strip)).toEqual(byGroup.rows);
    expect(rep).toMatchObject({ month, from: new Date(M).toISOString(), to: new Date(END).toISOString() });

    const a = rep.users.find((u) => u.key === alice.name);
    const b = rep.users.find((u) => u.key === bob.name);
    if (!a || !b) throw new Error(r.stdout);
    close(a.allocatedGpuHours, 16 * g1);
    close(a.busyGpuHours, 7 * g1);
    close(a.idleGpuHours, 7 * g1);
    close(a.unmeasuredGpuHours, 2 * g1);
    expect(a.allocations).toBe(2);
    close(b.allocatedGpuHours, 7 * g2);
    close(b.idleGpuHours, 7 * g2);
    expect([b.queueEntries, b.queueWaitHours]).toEqual([1, 1]);
    expect(rep.groups.map((g) => g.key).sort()).toEqual(['researchers', 'students']);
    expect(rep.topIdle.map((t) => t.user)).toEqual([bob.name, alice.name]);
    close(rep.topIdle[0]?.idleShare ?? 0, 1);
    close(rep.totals.allocatedGpuHours, 16 * g1 + 7 * g2);
  });

  it('CSV and the table carry the same rows; students are refused; a bad month is a usage error', async () => {
    const csv = await d.cli(['admin', 'report', '--month', month, '--csv'], carol);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^month,scope,name,users,allocations,allocated_gpu_hours,/);
    expect(lines.filter((l) => l.includes(',user,'))).toHaveLength(2);
    expect(lines.filter((l) => l.includes(',group,'))).toHaveLength(2);
    const text = await d.cli(['admin', 'report', '--month', month], carol);
    expect(text.stdout).toContain('Most idle GPU time');
    expect(text.stdout).toContain(bob.name);
    const denied = await d.cli(['admin', 'report', '--month', month], alice);
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/ds01 admin report.*admins/);
    const bad = await d.cli(['admin', 'report', '--month', '2026-13', '--json'], carol);
    expect(JSON.parse(bad.stdout).error.message).toMatch(/not a month/);
  });

  it('admin users --inactive: accounts with no activity, with their real workspace sizes', async () => {
    // dave never used ds01 but left 3 MiB in his workspace; bob acts now.
    const dave = await createTestUser();
    mkdirSync(join(dave.home, 'workspace/old-thesis'), { recursive: true });
    writeFileSync(join(dave.home, 'workspace/old-thesis/data.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
    chownSync(join(dave.home, 'workspace/old-thesis'), dave.uid, dave.gid);
    const made = await d.cli(['container-create', 'fresh', '--image', image, '--cpu-only'], bob);
    expect(made.code, made.stderr).toBe(0);
    const r = await d.cli(['admin', 'users', '--inactive', '90d', '--json'], carol);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as {
      user: string;
      workspaceBytes: number | null;
      lastActivity: string | null;
    }[];
    const a = rows.find((x) => x.user === dave.name);
    expect(a?.lastActivity).toBeNull();
    expect(a?.workspaceBytes).toBeGreaterThanOrEqual(3 * 1024 * 1024);
    expect(rows.some((x) => x.user === bob.name)).toBe(false);
    const text = await d.cli(['admin', 'users', '--inactive', '90d'], carol);
    expect(text.stdout).toMatch(new RegExp(`${dave.name}\\s+\\S+\\s+0\\s+3\\.\\d MiB\\s+never`));
    const bad = await d.cli(['admin', 'users', '--inactive', 'last-year'], carol);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a duration/);
    expect((await d.cli(['container-remove', 'fresh', '--yes'], bob)).code).toBe(0);
  });
});

// Batch jobs (issue 16) on the real daemon, the private dockerd and real users: a job's exit code, log
// and GPU release; fair order under quota; cancel; --time; --after; kill -9 and restart; cross-user refusals.
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { editPolicy, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { loadGpuScenario } from '../harness/fake-gpu.js';
import { cleanupTestUsers, createTestUser, isRoot, runAs, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

const image = inject('baseImage');
const docker = new Docker({ socketPath: inject('dockerSocket') });
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;

/** Three 1g.10gb slots on one GPU. */
function threeSlots() {
  const s = loadGpuScenario('a100-mig-mixed') as { gpus: { migDevices?: { profile: string }[] }[] };
  const gpu1 = { ...(s.gpus[1] as object), migDevices: s.gpus[1]?.migDevices?.slice(0, 3), processes: [] };
  return { ...s, description: 'three 1g.10gb slots', gpus: [gpu1] };
}

interface Job {
  id: number;
  state: string;
  reason: string | null;
  exitCode: number | null;
  owner: string;
  startedAt: string | null;
  endedAt: string | null;
  gpuSlots: string[];
  containerId: string | null;
  logPath: string;
  queue: { position: number | null } | null;
}

const json = (s: string) => JSON.parse(s);

async function submit(user: TestUser, args: string[]): Promise<Job> {
  const r = await d.cli(['job', 'submit', '--image', image, '--json', ...args], user);
  expect(r.code, r.stderr).toBe(0);
  return json(r.stdout).job as Job;
}

async function show(user: TestUser, id: number): Promise<Job> {
  const r = await d.cli(['job', 'show', String(id), '--json'], user);
  expect(r.code, r.stderr).toBe(0);
  return json(r.stdout) as Job;
}

const ended = (j: Job) => ['completed', 'failed', 'cancelled', 'timed_out', 'lost'].includes(j.state);
const waitEnded = (user: TestUser, id: number, ms = 30_000) => until(() => show(user, id), ended, ms, 200);

/** Live GPU allocations of a container, straight from the daemon's database. */
function liveAllocations(containerId: string | null): number {
  if (!containerId) return 0;
  const db = new Database(d.dbPath, { readonly: true });
  try {
    return (
      db
        .prepare(`SELECT COUNT(*) AS n FROM allocations WHERE container_id = ? AND state != 'released'`)
        .get(containerId) as { n: number }
    ).n;
  } finally {
    db.close();
  }
}

describe.skipIf(!isRoot())('batch jobs', () => {
  beforeAll(async () => {
    alice = await createTestUser();
    bob = await createTestUser();
    d = await startTestDaemon({ dockerHost: inject('dockerHost'), scenario: threeSlots() });
    editPolicy(d.policyPath, {
      // A held slot would mask "released at once": a day-long hold for ordinary containers.
      'defaults.gpu_hold_after_stop': '1d',
      'defaults.container_hold_after_stop': '3s',
      'defaults.idle_timeout': '2s',
    });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
  });
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('a job runs: exit code, times, log owned by the user, GPU released at once, log outlives the container', async () => {
    const j = await submit(alice, [
      '--mig',
      '1g.10gb',
      '--',
      'sh',
      '-c',
      'echo out-line; echo err-line >&2; exit 3',
    ]);
    expect(['running', 'failed']).toContain(j.state);
    const w = await d.cli(['job', 'wait', String(j.id)], alice);
    expect(w.code, w.stderr).toBe(3);
    const done = await show(alice, j.id);
    expect(done).toMatchObject({ state: 'failed', exitCode: 3, reason: 'exited with code 3' });
    expect(done.gpuSlots).toHaveLength(1);
    expect(done.startedAt).not.toBeNull();
    expect(done.endedAt).not.toBeNull();
    // No hold for a job, although ordinary containers hold for a day under this policy.
    expect(
      await until(
        async () => liveAllocations(done.containerId),
        (n) => n === 0,
        5000,
      ),
    ).toBe(0);
    // The release says a job ended (jobs never hold), not that the policy's hold is 0 (it is 1d here).
    const released = (await d.request('GET', '/v1/admin/events?kind=allocation.released')).body as {
      containerId: string;
      reason: string;
    }[];
    // (The runner's release at the exit and the stop's release race; whichever wins must say so.)
    const mineReleased = released.filter((e) => e.containerId === done.containerId);
    expect(mineReleased.length).toBeGreaterThan(0);
    for (const e of mineReleased) {
      expect(e.reason).toMatch(/^job .*ended/);
      expect(e.reason).not.toMatch(/gpu_hold_after_stop/);
    }
    // `ds01 usage` has it by job: her own, with its GPU-hours; bob sees none of hers.
    type UsageJobs = { jobs: { id: number; state: string; gpuHours: number; gpuEquivalents: number }[] };
    const u = json((await d.cli(['usage', '--json'], alice)).stdout) as UsageJobs;
    const mineInUsage = u.jobs.find((x) => x.id === j.id);
    expect(mineInUsage?.state).toBe('failed');
    expect(mineInUsage?.gpuEquivalents).toBeGreaterThan(0);
    // Its run (a few ms here) × what it ran on, in hours.
    const ranMs = Date.parse(done.endedAt as string) - Date.parse(done.startedAt as string);
    expect(mineInUsage?.gpuHours).toBeCloseTo(
      (ranMs / 3_600_000) * (mineInUsage?.gpuEquivalents ?? Number.NaN),
      5,
    );
    const table = await d.cli(['usage', '--jobs'], alice);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^${j.id}\\s+${alice.name}\\s+sh\\s+failed\\s+3\\s`, 'm'));
    const bobs = json((await d.cli(['usage', '--json'], bob)).stdout) as UsageJobs;
    expect(bobs.jobs.some((x) => x.id === j.id)).toBe(false);
    // Told at the next command (and on open terminals): the end, with the reason and where the log is.
    const notices = json((await d.cli(['notices', '--all', '--json'], alice)).stdout) as {
      message: string;
    }[];
    expect(notices.map((n) => n.message)).toContainEqual(
      expect.stringContaining(`job ${j.id} (sh) failed: exited with code 3`),
    );
    expect(done.logPath).toBe(`${alice.home}/workspace/jobs/.ds01/jobs/${j.id}.log`);
    const log = await readFile(done.logPath, 'utf8');
    expect(log).toContain('out-line');
    expect(log).toContain('err-line');
    expect(statSync(done.logPath).uid).toBe(alice.uid);
    const logs = await d.cli(['job', 'logs', String(j.id)], alice);
    expect(logs.stdout).toContain('out-line');
    // container_hold_after_stop (3 s) removes the container; the log stays.
    await until(
      () =>
        docker
          .getContainer(done.containerId as string)
          .inspect()
          .then(() => true)
          .catch(() => false),
      (exists) => !exists,
      30_000,
    );
    expect(await readFile(done.logPath, 'utf8')).toContain('out-line');
    // Idle detection leaves jobs alone (idle_timeout 2 s here, no jobs.idle_timeout).
    // Idle from the start: an ordinary container would be warned within ~8 s and stopped after.
    const idle = await submit(alice, ['--cpu-only', '--', 'sleep', '12']);
    const idleDone = await waitEnded(alice, idle.id);
    expect(idleDone).toMatchObject({ state: 'completed', exitCode: 0 });
    const warned = (await d.request('GET', '/v1/admin/events?kind=lifecycle.warning')).body as {
      containerId: string;
      reason: string;
    }[];
    // (Its removal after container_hold_after_stop is announced too; no idle stop may be.)
    expect(warned.filter((e) => e.containerId === idleDone.containerId && /idle/i.test(e.reason))).toEqual(
      [],
    );
  });

  it("bob cannot see, cancel, wait on or read alice's job (exit 3, audited)", async () => {
    const j = await submit(alice, ['--cpu-only', '--', 'sh', '-c', 'echo secret; sleep 30']);
    const before = (await d.request('GET', '/v1/admin/events?kind=access.denied')).body as unknown[];
    for (const args of [
      ['job', 'show', String(j.id)],
      ['job', 'cancel', String(j.id)],
      ['job', 'wait', String(j.id)],
      ['job', 'logs', String(j.id)],
    ]) {
      const r = await d.cli(args, bob);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(3);
      expect(r.stdout).not.toContain('secret');
    }
    const list = await d.cli(['job', 'list', '--json'], bob);
    expect((json(list.stdout) as Job[]).some((x) => x.id === j.id)).toBe(false);
    // The dashboard counts alice's running job for her and the admin, not for bob (own jobs only).
    type Dash = { summary: { jobs: { running: number } }; usage: { user: string; jobsRunning: number }[] };
    const dash = async (who?: TestUser) => json((await d.cli(['dashboard', '--json'], who)).stdout) as Dash;
    const mine = await dash(alice);
    expect(mine.summary.jobs.running).toBeGreaterThanOrEqual(1);
    expect(mine.usage.find((u) => u.user === alice.name)?.jobsRunning).toBeGreaterThanOrEqual(1);
    expect((await dash(bob)).summary.jobs.running).toBe(0);
    const admin = await dash();
    expect(admin.usage.find((u) => u.user === alice.name)?.jobsRunning).toBeGreaterThanOrEqual(1);
    expect((await d.cli(['job', 'show', '999999'], bob)).code).toBe(4);
    const after = (await d.request('GET', '/v1/admin/events?kind=access.denied')).body as unknown[];
    expect(after.length - before.length).toBeGreaterThanOrEqual(4);
    // Running, cancelled by its owner: SIGTERM, and the job ends cancelled.
    const c = await d.cli(['job', 'cancel', String(j.id)], alice);
    expect(c.code, c.stderr).toBe(0);
    const done = await waitEnded(alice, j.id);
    expect(done.state).toBe('cancelled');
    expect(done.reason).toContain(`cancelled by ${alice.name}`);
    expect(liveAllocations(done.containerId)).toBe(0);
  });

  it("an admin reads another user's job log only with --admin, through ds01d as the owner, audited; users never", async () => {
    const j = await submit(alice, ['--cpu-only', '--', 'sh', '-c', 'echo admin-may-see; echo line-two']);
    expect((await waitEnded(alice, j.id)).state).toBe('completed');
    // root is an admin: without --admin the CLI does not read the file as the caller, and ds01d says how.
    const plain = await d.cli(['job', 'logs', String(j.id)]);
    expect(plain.code).toBe(3);
    expect(plain.stderr).toMatch(new RegExp(`job ${j.id} is ${alice.name}'s`));
    expect(plain.stderr).toContain(`ds01 job logs ${j.id} --admin`);
    expect(plain.stdout).not.toContain('admin-may-see');
    const read = await d.cli(['job', 'logs', String(j.id), '--admin']);
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout).toBe('admin-may-see\nline-two\n');
    const events = (await d.request('GET', '/v1/admin/events?kind=job.log_read')).body as {
      subjectUid: number;
      data: { jobId: number };
    }[];
    expect(events.filter((e) => e.data?.jobId === j.id && e.subjectUid === alice.uid)).toHaveLength(1);
    // Alice sees the audit event about her log; bob cannot read it, with --admin or straight at the route.
    const mine = await d.cli(['events', '--kind', 'job.log_read', '--json'], alice);
    expect(mine.stdout).toContain(`read the log of ${alice.name}'s job ${j.id}`);
    expect((await d.cli(['job', 'logs', String(j.id), '--admin'], bob)).code).toBe(3);
    const raw = await runAs(bob, 'curl', [
      '-s',
      '--unix-socket',
      d.socket,
      `http://ds01/v1/jobs/${j.id}/log?admin=1`,
    ]);
    expect(raw.stdout).toMatch(/"FORBIDDEN"/);
    expect(raw.stdout).not.toContain(Buffer.from('admin-may-see').toString('base64').slice(0, 12));
    // The owner may use the same route for her own log.
    const own = await runAs(alice, 'curl', [
      '-s',
      '--unix-socket',
      d.socket,
      `http://ds01/v1/jobs/${j.id}/log`,
    ]);
    expect(Buffer.from(JSON.parse(own.stdout).data, 'base64').toString()).toBe('admin-may-see\nline-two\n');
  });

  it('cancel while queued leaves the queue; --time stops a job with a warning first', async () => {
    const hogs = [
      await submit(bob, ['--mig', '1g.10gb', '--', 'sleep', '60']),
      await submit(bob, ['--mig', '1g.10gb', '--', 'sleep', '60']),
      await submit(alice, ['--mig', '1g.10gb', '--time', '3s', '--', 'sleep', '60']),
    ];
    expect(hogs.map((h) => h.state)).toEqual(['running', 'running', 'running']);
    const q = await submit(alice, ['--mig', '1g.10gb', '--', 'true']);
    expect(q.state).toBe('queued');
    expect(q.queue?.position).toBe(1);
    const c = await d.cli(['job', 'cancel', String(q.id)], alice);
    expect(c.code, c.stderr).toBe(0);
    expect(await show(alice, q.id)).toMatchObject({ state: 'cancelled', startedAt: null, containerId: null });
    const queue = json((await d.cli(['queue', 'list', '--json'], alice)).stdout) as { state: string }[];
    expect(queue.every((e) => e.state !== 'waiting')).toBe(true);

    const timed = await waitEnded(alice, hogs[2]?.id as number, 30_000);
    expect(timed.state).toBe('timed_out');
    expect(timed.reason).toContain('time limit 3s');
    const warned = (await d.request('GET', '/v1/admin/events?kind=lifecycle.warning')).body as {
      containerId: string;
    }[];
    expect(warned.some((e) => e.containerId === timed.containerId)).toBe(true);
    expect((await d.cli(['job', 'cancel', String(hogs[0]?.id)], bob)).code).toBe(0);
    // An admin (root here) cancels someone's job with a reason the owner reads.
    const byAdmin = await d.cli(['job', 'cancel', String(hogs[1]?.id), '--reason', 'maintenance at noon']);
    expect(byAdmin.code, byAdmin.stderr).toBe(0);
    for (const h of hogs.slice(0, 2)) expect((await waitEnded(bob, h.id)).state).toBe('cancelled');
    expect((await show(bob, hogs[1]?.id as number)).reason).toBe(
      'cancelled by admin root: maintenance at noon',
    );
    // A user giving a reason is refused (only admins cancel with one).
    expect((await d.cli(['job', 'cancel', String(hogs[0]?.id), '--reason', 'x'], bob)).code).toBe(3);
  });

  it('--after: runs after success; a failed dependency fails the dependant with the reason', async () => {
    const a = await submit(alice, ['--cpu-only', '--', 'sh', '-c', 'sleep 6; echo first > /workspace/chain']);
    const b = await submit(alice, ['--cpu-only', '--after', String(a.id), '--', 'cat', '/workspace/chain']);
    expect(b.state).toBe('pending');
    const bDone = await waitEnded(alice, b.id);
    expect(bDone).toMatchObject({ state: 'completed', exitCode: 0 });
    expect(await readFile(bDone.logPath, 'utf8')).toContain('first');
    expect(Date.parse(bDone.startedAt as string)).toBeGreaterThanOrEqual(
      Date.parse((await show(alice, a.id)).endedAt as string),
    );

    const f = await submit(alice, ['--cpu-only', '--', 'sh', '-c', 'sleep 5; exit 2']);
    const g = await submit(alice, ['--cpu-only', '--after', String(f.id), '--', 'true']);
    const h = await submit(alice, ['--cpu-only', '--after', String(g.id), '--', 'true']);
    const gDone = await waitEnded(alice, g.id);
    expect(gDone.state).toBe('failed');
    expect(gDone.reason).toContain(`dependency job ${f.id} did not complete successfully`);
    expect(gDone.startedAt).toBeNull();
    expect((await waitEnded(alice, h.id)).reason).toContain(`dependency job ${g.id}`);
    // Submitting after a job that already failed is refused up front.
    const late = await d.cli(['job', 'submit', '--cpu-only', '--after', String(f.id), '--', 'true'], alice);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain(`job ${f.id}`);
  });

  it('10 jobs, 3 slots, 2 users: fair order, never more than the quota at once, all complete', async () => {
    // The GPU is drained while both users submit, so all ten wait and the queue alone decides the order.
    const gpu = ((await d.request('GET', '/v1/gpus')).body as { slots: { gpuUuid: string }[] }).slots[0]
      ?.gpuUuid as string;
    const drain = await d.cli(['gpu', 'drain', gpu, '--reason', 'fairness test'], undefined);
    expect(drain.code, drain.stderr).toBe(0);
    const ids: { user: TestUser; id: number }[] = [];
    // Alice floods first; bob must not wait behind all of hers.
    for (let i = 0; i < 5; i++)
      ids.push({ user: alice, id: (await submit(alice, ['--mig', '1g.10gb', '--', 'sleep', '2'])).id });
    for (let i = 0; i < 5; i++)
      ids.push({ user: bob, id: (await submit(bob, ['--mig', '1g.10gb', '--', 'sleep', '2'])).id });
    for (const { user, id } of ids) expect((await show(user, id)).state).toBe('queued');
    expect((await d.cli(['gpu', 'undrain', gpu, '--reason', 'go'])).code).toBe(0);
    const jobs: Job[] = [];
    for (const { user, id } of ids) jobs.push(await waitEnded(user, id, 90_000));
    for (const j of jobs) expect(j, JSON.stringify(j)).toMatchObject({ state: 'completed', exitCode: 0 });
    // From the recorded times: at every start, how many ran (total ≤ 3 slots, per user ≤ max_mig_instances 2).
    const span = jobs.map((j) => ({
      o: j.owner,
      s: Date.parse(j.startedAt as string),
      e: Date.parse(j.endedAt as string),
    }));
    for (const x of span) {
      const at = span.filter((y) => y.s <= x.s && y.e > x.s);
      expect(at.length).toBeLessThanOrEqual(3);
      expect(at.filter((y) => y.o === x.o).length).toBeLessThanOrEqual(2);
    }
    // Fair order: while both have jobs waiting, neither gets more than 2 starts ahead of the other
    // (least recent GPU use goes first), although alice submitted all of hers first.
    const order = [...span].sort((a, b) => a.s - b.s).map((x) => x.o);
    let a = 0;
    let b = 0;
    for (const o of order.slice(0, 8)) {
      if (o === alice.name) a++;
      else b++;
      expect(Math.abs(a - b), order.join(' ')).toBeLessThanOrEqual(2);
    }
    for (const j of jobs) expect(liveAllocations(j.containerId)).toBe(0);
  });

  it('kill -9 of ds01d while jobs run and finish: after restart every state is right, no GPU held', async () => {
    const finishes = await submit(alice, ['--mig', '1g.10gb', '--', 'sh', '-c', 'sleep 8; exit 5']);
    const runs = await submit(alice, ['--mig', '1g.10gb', '--', 'sleep', '120']);
    const vanishes = await submit(bob, ['--mig', '1g.10gb', '--', 'sleep', '120']);
    const queued = await submit(bob, ['--mig', '1g.10gb', '--', 'true']);
    expect([finishes.state, runs.state, vanishes.state, queued.state]).toEqual([
      'running',
      'running',
      'running',
      'queued',
    ]);
    await d.kill9();
    // While it is down: one job finishes by itself, one container is removed behind its back.
    await docker.getContainer(vanishes.containerId as string).remove({ force: true });
    // Down until well after `finishes` has exited by itself.
    const endsAt = Date.parse(finishes.startedAt as string) + 9000;
    await new Promise((r) => setTimeout(r, Math.max(0, endsAt - Date.now())));
    await d.restart();
    const f = await waitEnded(alice, finishes.id, 15_000);
    expect(f).toMatchObject({ state: 'failed', exitCode: 5 });
    const v = await waitEnded(bob, vanishes.id, 15_000);
    expect(v.state).toBe('lost');
    expect(v.reason).toContain('was gone');
    expect((await show(alice, runs.id)).state).toBe('running');
    // The queued job keeps its place and gets a freed slot.
    const q = await waitEnded(bob, queued.id, 30_000);
    expect(q).toMatchObject({ state: 'completed', exitCode: 0 });
    const told = json((await d.cli(['notices', '--all', '--json'], bob)).stdout) as { message: string }[];
    expect(told.map((n) => n.message)).toContainEqual(
      expect.stringContaining(`job ${queued.id} (true) started after waiting`),
    );
    for (const j of [f, v, q]) expect(liveAllocations(j.containerId)).toBe(0);
    expect(liveAllocations((await show(alice, runs.id)).containerId)).toBe(1);
    // It is still watched: cancelling it after the restart ends it, and frees its slot.
    expect((await d.cli(['job', 'cancel', String(runs.id)], alice)).code).toBe(0);
    const r = await waitEnded(alice, runs.id);
    expect(r.state).toBe('cancelled');
    expect(liveAllocations(r.containerId)).toBe(0);
  });
});

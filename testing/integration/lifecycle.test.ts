// The lifecycle against the real daemon, the private dockerd and a real user's terminal, with
// second-scale timeouts: an idle container is warned (events, the user's pty, notices), stopped, its GPU
// released after the hold and the container removed after its hold, the workspace kept; a busy one is
// left alone.
import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { editPolicy, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { cleanupTestUsers, createTestUser, isRoot, type TestUser } from '../harness/users.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
// Slices of GPU 0 in the a100-mig-mixed scenario: the fake nvidia-smi reports a process on the first.
const MIG_FREE = 'MIG-18b8c764-d1c0-5acb-8dea-13519a60a077';
const MIG_WITH_PROCESS = 'MIG-a84bba07-931d-5b92-9306-a0799dc6ebd7';
let d: TestDaemon;
let alice: TestUser;
let term: ChildProcess | null = null;
let termLog: string;
const made: string[] = [];

async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) {
      const sweep = await d.request('POST', '/v1/admin/sweep', { dryRun: true }).catch(() => null);
      console.log('dry-run sweep at timeout:', JSON.stringify(sweep?.body, null, 1));
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 2000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A ds01-labelled container of `owner` (adopted by the daemon from Docker's events), workspace mounted. */
async function labelled(owner: TestUser, project: string, cmd: string[], slots: string[] = []) {
  const ws = join(owner.home, 'workspace', project);
  mkdirSync(ws, { recursive: true });
  chownSync(join(owner.home, 'workspace'), owner.uid, owner.gid);
  chownSync(ws, owner.uid, owner.gid);
  const c = await docker.createContainer({
    name: `${project}._.${owner.uid}`,
    Image: inject('baseImage'),
    Cmd: cmd,
    User: `${owner.uid}:${owner.gid}`,
    Labels: d.signed(
      {
        'ds01.owner.uid': String(owner.uid),
        'ds01.owner.name': owner.name,
        'ds01.project': project,
        ...(slots.length ? { 'ds01.gpu.slots': slots.join(',') } : {}),
      },
      `${project}._.${owner.uid}`,
    ),
    HostConfig: { Init: true, Binds: [`${ws}:/workspace`], NanoCpus: 1e9 },
  });
  made.push(c.id);
  await c.start();
  return { c, ws };
}

const events = async (q: string) =>
  (await d.request('GET', `/v1/events?${q}`)).body as {
    kind: string;
    containerName: string | null;
    reason: string;
    subjectUid: number;
  }[];

describe.skipIf(!isRoot())('lifecycle (real daemon, dockerd, user terminal)', () => {
  beforeAll(async () => {
    alice = await createTestUser();
    d = await startTestDaemon({ dockerHost: inject('dockerHost') });
    editPolicy(d.policyPath, {
      'defaults.idle_timeout': '12s',
      'defaults.container_hold_after_stop': '12s',
      'defaults.gpu_hold_after_stop': '4s',
      'defaults.max_runtime': '10m',
      'policies.grace_period': '2s',
      'policies.warning_points': ['8s', '4s'],
      'policies.never_started_timeout': '10m',
    });
    const r = await d.cli(['config', 'reload']);
    expect(r.code, r.stderr).toBe(0);
    // A terminal of alice's: `script` on a pty she owns; whatever reaches the pty lands in the log.
    termLog = join(alice.home, 'terminal.log');
    term = spawn(
      'setpriv',
      [
        `--reuid=${alice.uid}`,
        `--regid=${alice.gid}`,
        '--init-groups',
        '--',
        'script',
        '-q',
        '-f',
        '-c',
        'sleep 600',
        termLog,
      ],
      { stdio: 'ignore', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: alice.home } },
    );
    await until('alice’s terminal', async () => existsSync(termLog), Boolean, 10_000);
  });

  afterAll(async () => {
    if (term?.pid) term.kill('SIGTERM');
    for (const id of made)
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('an idle container is warned, stopped, its GPU released and it is removed; a busy one is left alone; the workspace stays', async () => {
    const idle = await labelled(alice, 'idle1', ['sleep', '600'], [MIG_FREE]);
    // CPU idle, but a process on its MIG slice (nvidia-smi gives no utilisation for MIG): in use.
    const gpujob = await labelled(alice, 'gpujob', ['sleep', '600'], [MIG_WITH_PROCESS]);
    writeFileSync(join(idle.ws, 'results.csv'), 'epoch,loss\n1,0.5\n');
    const busy = await labelled(alice, 'busy1', ['sh', '-c', 'while :; do :; done']);
    await until(
      'adoption with the GPU slot',
      () => d.request('GET', '/v1/containers?all=1'),
      (r) =>
        r.body.some(
          (c: { name: string; gpuSlots: unknown[] }) => c.name === 'idle1' && c.gpuSlots.length === 1,
        ),
    );

    // Warned: an event, alice's terminal, and her notices at login.
    const warned = await until(
      'a warning',
      () => events('kind=lifecycle.warning'),
      (e) => e.some((x) => x.containerName?.startsWith('idle1')),
    );
    expect(warned[0]?.reason).toMatch(/will be stopped in \d+s: idle for/);
    await until(
      'the warning on alice’s terminal',
      async () => readFileSync(termLog, 'utf8'),
      (t) => /ds01: your container idle1 will be stopped in/.test(t),
      10_000,
    );
    const login = await d.cli(['notices', '--login'], alice);
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(/idle1 will be stopped in/);
    const mine = await d.cli(['events', '--json', '--kind', 'lifecycle.warning'], alice);
    expect(mine.code, mine.stderr).toBe(0);
    expect(
      JSON.parse(mine.stdout).some((e: { containerName: string }) => e.containerName.startsWith('idle1')),
    ).toBe(true);

    // container-why says, in words, what will happen.
    const why = await d.cli(['container-why', 'idle1'], alice);
    expect(why.code, why.stderr).toBe(0);
    expect(why.stdout).toMatch(/idle since/);
    expect(why.stdout).toMatch(/It will be stopped (at|now)/);

    // Stopped, with the reason in the events.
    const stopped = await until(
      'the stop',
      () => events('kind=lifecycle.stopped'),
      (e) => e.some((x) => x.containerName?.startsWith('idle1')),
    );
    expect(stopped.find((x) => x.containerName?.startsWith('idle1'))?.reason).toMatch(/stopped: idle for/);
    expect((await idle.c.inspect()).State.Running).toBe(false);
    // Each warning point once per deadline: two points, two warnings for idle1's stop.
    const stopWarnings = (await events('kind=lifecycle.warning')).filter(
      (x) => x.containerName?.startsWith('idle1') && /stopped in/.test(x.reason),
    );
    expect(stopWarnings.length).toBeGreaterThanOrEqual(1);
    expect(stopWarnings.length).toBeLessThanOrEqual(2);

    // The next ds01 command shows the stop notice on stderr, once.
    const list = await d.cli(['container', 'list'], alice);
    expect(list.stderr).toMatch(/notice: ds01: your container idle1 was stopped/);
    expect((await d.cli(['container', 'list'], alice)).stderr).not.toMatch(/notice:/);

    // GPU released after its hold.
    await until(
      'the GPU release',
      () => d.request('GET', '/v1/containers?all=1'),
      (r) =>
        r.body.some(
          (c: { name: string; gpuSlots: unknown[] }) => c.name === 'idle1' && c.gpuSlots.length === 0,
        ),
      30_000,
    );
    // Removed after its hold, warned first; the workspace survives.
    const removed = await until(
      'the removal',
      () => events('kind=lifecycle.removed'),
      (e) => e.some((x) => x.containerName?.startsWith('idle1')),
    );
    expect(removed.find((x) => x.containerName?.startsWith('idle1'))?.reason).toMatch(
      /the workspace is kept/,
    );
    expect(
      (await events('kind=lifecycle.warning')).some(
        (x) => x.containerName?.startsWith('idle1') && /will be removed/.test(x.reason),
      ),
    ).toBe(true);
    await expect(idle.c.inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(readFileSync(join(idle.ws, 'results.csv'), 'utf8')).toBe('epoch,loss\n1,0.5\n');

    // The busy ones: running, never warned or stopped; why says busy by CPU / by the process on the slice.
    expect((await busy.c.inspect()).State.Running).toBe(true);
    expect((await gpujob.c.inspect()).State.Running).toBe(true);
    const busyEvents = (await events('kind=lifecycle.')).filter(
      (x) => x.containerName?.startsWith('busy1') || x.containerName?.startsWith('gpujob'),
    );
    expect(busyEvents).toEqual([]);
    const gpuWhy = JSON.parse((await d.cli(['container-why', 'gpujob', '--json'], alice)).stdout);
    expect(gpuWhy.idle.busy).toEqual(['1 process(es) on its GPU slice']);
    const busyWhy = JSON.parse((await d.cli(['container-why', 'busy1', '--json'], alice)).stdout);
    expect(busyWhy.idle.busy.join(' ')).toMatch(/CPU \d+/);
    expect(busyWhy.signals.cpuPct).toBeGreaterThan(20);
  });

  it('container-extend within the policy; a dry-run sweep shows what would happen without doing it', async () => {
    const ext = await d.cli(['container-extend', 'busy1', '20s', '--json'], alice);
    expect(ext.code, ext.stderr).toBe(0);
    expect(JSON.parse(ext.stdout)).toMatchObject({
      addedSec: 20,
      extensions: 1,
      maxExtensions: 1,
      limitSec: 620,
    });
    const tooLong = await d.cli(['container-extend', 'busy1', '1h'], alice);
    expect(tooLong.code).toBe(3);
    const again = await d.cli(['container-extend', 'busy1'], alice);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/used all 1 extension/);

    const denied = await d.cli(['admin', 'sweep', '--dry-run'], alice);
    expect(denied.code).toBe(3);
    const dry = await d.cli(['admin', 'sweep', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const report = JSON.parse(dry.stdout);
    expect(report.dryRun).toBe(true);
    const b = report.containers.find((c: { name: string }) => c.name === 'busy1');
    expect(b).toMatchObject({
      action: 'none',
      applied: false,
      deadline: { kind: 'runtime', outcome: 'stop' },
    });
    expect(b.reason).toMatch(/busy: CPU/);
  });
});

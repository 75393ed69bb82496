// ds01d over its real socket, as real Linux users, against the private dockerd: identity from the
// kernel, per-user visibility, admin rights through a real group, the CLI's exit codes.
import { realpathSync, statfsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { execFileResult } from '../harness/exec.js';
import { cleanupTestUsers, isRoot, runAs, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser; // admin through a Linux group named in the policy

async function labelled(owner: TestUser, project: string, extra: Record<string, string> = {}) {
  const c = await docker.createContainer({
    name: `${project}._.${owner.uid}`,
    Image: inject('baseImage'),
    Cmd: ['sleep', '600'],
    Labels: d.signed(
      {
        'ds01.owner.uid': String(owner.uid),
        'ds01.owner.name': owner.name,
        'ds01.project': project,
        ...extra,
      },
      `${project}._.${owner.uid}`,
    ),
    HostConfig: { Init: true },
  });
  return c;
}

describe.skipIf(!isRoot())('ds01d core (real users, real socket)', () => {
  beforeAll(async () => {
    ({ d, alice, bob, carol } = await startDaemonWithCast({ dockerHost: inject('dockerHost') }));
  });
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('whoami is what the kernel says, whatever the request claims', async () => {
    for (const u of [alice, bob]) {
      const r = await d.cli(['whoami', '--json'], u);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ uid: u.uid, name: u.name, admin: false });
      // curl with forged headers, query and body: identity does not move.
      const curl = await runAs(u, 'curl', [
        '-s',
        '--unix-socket',
        d.socket,
        '-H',
        'X-Remote-User: root',
        '-H',
        'Authorization: Basic cm9vdDpyb290',
        '-H',
        'X-Ds01-Uid: 0',
        'http://ds01/v1/system/whoami?uid=0&user=root',
      ]);
      expect(JSON.parse(curl.stdout)).toMatchObject({ uid: u.uid, name: u.name, admin: false });
    }
    const root = JSON.parse((await d.cli(['whoami', '--json'])).stdout);
    expect(root).toMatchObject({ uid: 0, admin: true });
    const admin = JSON.parse((await d.cli(['whoami', '--json'], carol)).stdout);
    expect(admin).toMatchObject({ uid: carol.uid, admin: true });
  });

  it('each user sees only their own containers and events; an admin sees all', async () => {
    const a = await labelled(alice, 'alpha');
    await a.start();
    const b = await labelled(bob, 'beta');
    await b.start();
    // Adopted through Docker's event stream, without a restart.
    await until(
      () => d.request('GET', '/v1/containers?all=1'),
      (r) => r.body.length >= 2,
    );
    const mine = JSON.parse((await d.cli(['container', 'list', '--json'], alice)).stdout);
    expect(mine.map((c: { name: string }) => c.name)).toEqual(['alpha']);
    const his = JSON.parse((await d.cli(['container', 'list', '--json', '--all'], bob)).stdout);
    expect(his.map((c: { name: string }) => c.name)).toEqual(['beta']); // --all means nothing to a user
    const all = JSON.parse((await d.cli(['container', 'list', '--json', '--all'], carol)).stdout);
    expect(all.map((c: { name: string }) => c.name).sort()).toEqual(['alpha', 'beta']);

    const aliceEvents = JSON.parse((await d.cli(['events', '--json'], alice)).stdout);
    expect(aliceEvents.length).toBeGreaterThan(0);
    expect(
      aliceEvents.every(
        (e: { subjectUid: number; actorUid: number }) =>
          e.subjectUid === alice.uid || e.actorUid === alice.uid,
      ),
    ).toBe(true);
    expect(aliceEvents.some((e: { containerName: string }) => e.containerName?.startsWith('beta'))).toBe(
      false,
    );
  });

  it("a user asking for another's container by name or id is refused and the denial audited", async () => {
    const list = (await d.request('GET', '/v1/containers?all=1')).body as {
      id: string;
      dockerName: string;
      ownerUid: number;
    }[];
    const betas = list.filter((c) => c.ownerUid === bob.uid);
    const beta = betas[0]!;
    for (const ref of [beta.dockerName, beta.id, beta.id.slice(0, 12)]) {
      const r = await runAs(alice, 'curl', [
        '-s',
        '--unix-socket',
        d.socket,
        `http://ds01/v1/containers/${ref}`,
      ]);
      expect(JSON.parse(r.stdout).error.code).toBe('FORBIDDEN');
    }
    const denials = (await d.request('GET', `/v1/events?kind=access.denied&user=${alice.name}`)).body;
    expect(denials.length).toBeGreaterThanOrEqual(3);
    // The owner's own request works.
    const own = await runAs(bob, 'curl', [
      '-s',
      '--unix-socket',
      d.socket,
      `http://ds01/v1/containers/${beta.id}`,
    ]);
    expect(JSON.parse(own.stdout)).toMatchObject({ name: 'beta', owner: bob.name });
  });

  it('admin endpoints are refused to users (exit 3) and allowed to admins', async () => {
    const r = await d.cli(['config', 'reload'], alice);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/for ds01 admins/);
    const ok = await d.cli(['config', 'reload'], carol);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('events --follow streams new events as they happen', async () => {
    const ac = await execFileResult('true', []);
    expect(ac.code).toBe(0);
    const follower = d.cli(['events', '--follow', '--json', '--kind', 'container.'], alice, {
      timeout: 20_000,
    });
    await new Promise((r) => setTimeout(r, 1000));
    const c = await labelled(alice, 'gamma');
    await c.start();
    await c.stop({ t: 0 });
    const events = await until(
      () => d.request('GET', `/v1/events?user=${alice.name}&kind=container.stopped`),
      (r) => r.body.some((e: { containerName: string }) => e.containerName?.startsWith('gamma')),
    );
    expect(events.body.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 500));
    // Stop the follower as a user would (Ctrl-C).
    await execFileResult('pkill', ['-INT', '-u', alice.name, '-f', 'ds01.js events']);
    const out = await follower;
    const lines = out.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(lines.some((e) => e.kind === 'container.adopted' && e.containerName.startsWith('gamma'))).toBe(
      true,
    );
    expect(lines.some((e) => e.kind === 'container.stopped' && e.containerName.startsWith('gamma'))).toBe(
      true,
    );
    expect(lines.every((e) => e.subjectUid === alice.uid)).toBe(true);
  });

  it('the CLI says the daemon is not running with exit code 5', async () => {
    const r = await d.cli(['status'], alice, { env: { DS01_SOCKET: `${d.dir}/nope.sock` } });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/cannot reach the ds01 daemon.*is ds01d running/);
  });

  it('status reports docker, policy, GPU inventory and the host (CPU, memory, the state dir’s disk)', async () => {
    const r = await d.cli(['status', '--json'], alice);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.docker.reachable).toBe(true);
    expect(s.gpus.total).toBe(4);
    expect(s.gpus.slots).toBeGreaterThanOrEqual(11);
    expect(s.policy.lastError).toBeNull();
    // The host as this machine reports it (systeminformation), checked against the kernel's own numbers.
    expect(s.host.cpu.cores).toBe(cpus().length);
    expect(s.host.cpu.loadPct).toBeGreaterThanOrEqual(0);
    expect(s.host.memory.totalBytes).toBe(totalmem());
    expect(s.host.memory.usedPct).toBeGreaterThan(0);
    expect(s.host.memory.usedPct).toBeLessThanOrEqual(100);
    const disk = statfsSync(d.stateDir);
    expect(s.host.stateDisk).toMatchObject({ path: realpathSync(d.stateDir) });
    expect(Math.abs(s.host.stateDisk.sizeBytes - disk.blocks * disk.bsize)).toBeLessThan(1024 ** 2);
    const text = await d.cli(['status'], alice);
    expect(text.stdout).toMatch(/^host: +CPU [\d.]+% of \d+ cores, memory [\d.]+% used \(.+ free of .+\)$/m);
    expect(text.stdout).toMatch(/^ +state disk [\d.]+% used \(.+ free of .+ on \/.*\)$/m);
  });
});

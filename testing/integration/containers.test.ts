// The container lifecycle end to end, as real users over the real daemon and a private dockerd: deploy
// with a MIG slot, work through the shell path, stats and logs, retire freeing the slot for the next user
// at once (and the queue serving a waiting user by itself), the workspace surviving.
import { statSync } from 'node:fs';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { editPolicy, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { oneSlotScenario } from '../harness/fake-gpu.js';
import { cleanupTestUsers, createTestUser, isRoot, runAs, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
const image = inject('baseImage');
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;

const json = (s: string) => JSON.parse(s);

describe.skipIf(!isRoot())('containers end to end', () => {
  beforeAll(async () => {
    alice = await createTestUser();
    bob = await createTestUser();
    d = await startTestDaemon({ dockerHost: inject('dockerHost'), scenario: oneSlotScenario() });
    // Nothing here is about idle stops: on a slow run test-fast's 20 s would stop exp1 (and, with
    // release_held_when_queued, hand its held slot to bob's queued deploy) before the test retires it.
    editPolicy(d.policyPath, { 'defaults.idle_timeout': '1h' });
    const reload = await d.cli(['config', 'reload', '--json']);
    expect(reload.code, reload.stderr).toBe(0);
    expect(json(reload.stdout)).toMatchObject({ ok: true });
    const explain = await d.cli(['config', 'explain', alice.name, '--json']);
    expect(json(explain.stdout)).toMatchObject({
      user: alice.name,
      text: expect.stringContaining('idle_timeout'),
    });
  });
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('deploys a MIG container as the user, with the slot by UUID and the limits of the policy', async () => {
    const r = await d.cli(
      ['container', 'deploy', 'exp1', '--image', image, '--mig', '1g.10gb', '--background', '--json'],
      alice,
    );
    expect(r.code, r.stderr + d.logs().slice(-2000)).toBe(0);
    const out = json(r.stdout);
    expect(out.status).toBe('running');
    expect(out.container).toMatchObject({ name: 'exp1', owner: alice.name, state: 'running' });
    expect(out.container.gpuSlots).toHaveLength(1);
    expect(out.container.gpuSlots[0]).toMatchObject({ profile: '1g.10gb', state: 'active' });
    const slot = out.container.gpuSlots[0].uuid as string;
    expect(slot).toMatch(/^MIG-/);

    const i = await docker.getContainer(out.container.id).inspect();
    expect(i.Name).toBe(`/exp1._.${alice.uid}`);
    expect(i.Config.User).toBe(`${alice.uid}:${alice.gid}`);
    expect(i.HostConfig.DeviceRequests).toEqual([
      expect.objectContaining({ Driver: 'nvidia', DeviceIDs: [slot], Capabilities: [['gpu']] }),
    ]);
    expect(i.Config.Env).toContain(`NVIDIA_VISIBLE_DEVICES=${slot}`);
    expect(i.HostConfig.Memory).toBe(256 * 1024 ** 2);
    expect(i.HostConfig.NanoCpus).toBe(1e9);
    expect(i.HostConfig.PidsLimit).toBe(256);
    // The daemon's own bind source (the checked workspace is mounted there only around a start).
    expect(i.HostConfig.Binds).toEqual([`${d.stateDir}/workspaces/${i.Name.slice(1)}:/workspace:rw`]);
    const ws = statSync(`${alice.home}/workspace/exp1`);
    expect([ws.uid, ws.gid, ws.mode & 0o777]).toEqual([alice.uid, alice.gid, 0o700]);
    // `container list` shows the slot and an uptime.
    const list = await d.cli(['container', 'list'], alice);
    expect(list.stdout).toMatch(/exp1\s+running\s+\S+\s+1g\.10gb\s+\d+s/);
  });

  it('a command through the shell path runs as the user, in the workspace, and writes files they own', async () => {
    const r = await d.cli(
      [
        'container',
        'open',
        'exp1',
        '--',
        'sh',
        '-c',
        'pwd >&2; whoami; cd ~ && pwd; id -u; echo hello > /workspace/out.txt',
      ],
      alice,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual([alice.name, `/home/${alice.name}`, String(alice.uid), '']);
    expect(r.stderr).toBe('/workspace\n');
    const f = statSync(`${alice.home}/workspace/exp1/out.txt`);
    expect(f.uid).toBe(alice.uid);
    // The remote exit code is the CLI's exit code.
    expect((await d.cli(['container', 'open', 'exp1', '--', 'sh', '-c', 'exit 7'], alice)).code).toBe(7);
    // No capability and no privilege: root-only actions fail.
    const priv = await d.cli(
      ['container', 'open', 'exp1', '--', 'sh', '-c', 'chown 0 /workspace/out.txt'],
      alice,
    );
    expect(priv.code).not.toBe(0);
  });

  it('a second container of the same image (its user files made once, then reused) knows the user too', async () => {
    const dep = await d.cli(
      ['container', 'deploy', 'exp1b', '--image', image, '--cpu-only', '--background'],
      alice,
    );
    expect(dep.code, dep.stderr).toBe(0);
    // bob's container of the same image gets bob, not alice's cached files.
    const depBob = await d.cli(
      ['container', 'deploy', 'bobs', '--image', image, '--cpu-only', '--background'],
      bob,
    );
    expect(depBob.code, depBob.stderr).toBe(0);
    for (const [u, name] of [
      [alice, 'exp1b'],
      [bob, 'bobs'],
    ] as const) {
      const r = await d.cli(
        [
          'container',
          'open',
          name,
          '--',
          'sh',
          '-c',
          `whoami; cd ~ && pwd; touch /workspace/f; grep -c '^${u.name}:' /etc/passwd`,
        ],
        u,
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n')).toEqual([u.name, `/home/${u.name}`, '1', '']);
      expect(statSync(`${u.home}/workspace/${name}/f`).uid).toBe(u.uid);
    }
    for (const [u, name] of [
      [alice, 'exp1b'],
      [bob, 'bobs'],
    ] as const)
      expect((await d.cli(['container', 'retire', name, '--yes', '--force'], u)).code).toBe(0);
  });

  it('stats and logs work', async () => {
    const st = await d.cli(['container', 'stats', 'exp1', '--json'], alice);
    expect(st.code, st.stderr).toBe(0);
    const s = json(st.stdout);
    expect(s).toMatchObject({ name: 'exp1', state: 'running', memoryLimitBytes: 256 * 1024 ** 2 });
    expect(s.pids).toBeGreaterThanOrEqual(2);
    expect(s.memoryBytes).toBeGreaterThan(0);
    expect(s.gpus).toEqual([expect.objectContaining({ profile: '1g.10gb', utilizationPct: null })]);
    const table = await d.cli(['container', 'stats', 'exp1'], alice);
    expect(table.stdout).toMatch(/^NAME\s+CPU/);

    // A container whose command writes to stdout and stderr (created through the API, as the user).
    const body = JSON.stringify({
      name: 'talker',
      image,
      gpus: 0,
      command: ['sh', '-c', 'echo out-1; echo err-1 >&2; sleep 1; echo out-2; sleep 600'],
    });
    const made = await runAs(alice, 'curl', [
      '-s',
      '--unix-socket',
      d.socket,
      '-H',
      'content-type: application/json',
      '-d',
      body,
      'http://ds01/v1/containers',
    ]);
    expect(json(made.stdout).status, made.stdout + d.logs().slice(-3000)).toBe('created');
    expect((await d.cli(['container', 'start', 'talker'], alice)).code).toBe(0);
    const logs = await until(
      () => d.cli(['container', 'logs', 'talker'], alice),
      (r) => r.stdout.includes('out-2'),
    );
    expect(logs.stdout).toBe('out-1\nout-2\n');
    expect(logs.stderr).toBe('err-1\n');
    expect((await d.cli(['container', 'logs', 'talker', '--tail', '1'], alice)).stdout).toBe('out-2\n');
    // --json: one object per line, stderr lines on stdout too (as data), each stream in its own order.
    const asJson = await d.cli(['container', 'logs', 'talker', '--json'], alice);
    const records = asJson.stdout.trimEnd().split('\n').map(json);
    expect(records.filter((r) => r.stream === 'stdout')).toEqual([
      { stream: 'stdout', line: 'out-1' },
      { stream: 'stdout', line: 'out-2' },
    ]);
    expect(records.filter((r) => r.stream === 'stderr')).toEqual([{ stream: 'stderr', line: 'err-1' }]);
    expect(records).toHaveLength(3);
    // --follow keeps the stream open: it ends only when we stop it.
    const follow = await d.cli(['container', 'logs', 'talker', '--follow'], alice, { timeout: 2000 });
    expect(follow.stdout).toContain('out-1');
    expect(follow.code).not.toBe(0); // killed by the timeout, not ended by the daemon
    expect((await d.cli(['container', 'retire', 'talker', '--yes', '--force'], alice)).code).toBe(0);
  });

  it('a second deploy finds no free slot; with --queue it waits and is served when the slot frees', async () => {
    const no = await d.cli(
      ['container-deploy', 'b1', '--image', image, '--mig', '1g.10gb', '--background'],
      bob,
    );
    expect(no.code).toBe(3);
    expect(no.stderr).toMatch(/--queue/);
    const q = await d.cli(
      ['container-deploy', 'b1', '--image', image, '--mig', '1g.10gb', '--background', '--queue', '--json'],
      bob,
    );
    expect(q.code, q.stderr).toBe(0);
    expect(json(q.stdout)).toMatchObject({ status: 'queued', queue: { position: 1 } });
    // The same deploy again is the same entry (a loop of them must not grow the queue every pass walks);
    // with other options it is refused with how to change them.
    const again = await d.cli(
      ['container-deploy', 'b1', '--image', image, '--mig', '1g.10gb', '--background', '--queue', '--json'],
      bob,
    );
    expect(again.code, again.stderr).toBe(0);
    expect(json(again.stdout).queue).toEqual(json(q.stdout).queue);
    const other = await d.cli(
      [
        'container-deploy',
        'b1',
        '--image',
        image.replace(/:latest$/, ''), // the same image by another name: another request
        '--mig',
        '1g.10gb',
        '--background',
        '--queue',
      ],
      bob,
    );
    expect(other.code, other.stderr).toBe(1);
    expect(other.stderr).toMatch(/already waiting in the GPU queue .*queue leave/s);
    const waiting = json((await d.cli(['gpu-queue', '--json'], bob)).stdout);
    expect(waiting.filter((e: { state: string }) => e.state === 'waiting')).toHaveLength(1);
    const bl = json((await d.cli(['container', 'list', '--json'], bob)).stdout);
    expect(
      bl,
      JSON.stringify(bl) +
        JSON.stringify(
          (await d.request('GET', '/v1/events?limit=30')).body.map((e: any) => [e.kind, e.actor, e.reason]),
        ),
    ).toEqual([]);

    // Alice retires: stop + remove + release at once; the workspace stays.
    const dry = await d.cli(['container-retire', 'exp1', '--dry-run', '--json'], alice);
    const plan = json(dry.stdout);
    expect(plan).toMatchObject({ dryRun: true, wasRunning: true, name: 'exp1' });
    expect(plan.freedSlots).toHaveLength(1);
    const slot = plan.freedSlots[0].uuid;
    // Without a terminal and without --yes the question cannot be asked: usage error, nothing done.
    const noYes = await d.cli(['container-retire', 'exp1'], alice);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toMatch(/--yes/);
    const t0 = Date.now();
    const r = await d.cli(['container-retire', 'exp1', '--yes', '--json'], alice);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({
      dryRun: false,
      freedSlots: [{ uuid: slot }],
      workspace: `${alice.home}/workspace/exp1`,
    });
    expect(statSync(`${alice.home}/workspace/exp1/out.txt`).uid).toBe(alice.uid);
    expect(json((await d.cli(['container', 'list', '--json'], alice)).stdout)).toEqual([]);

    // Bob's queued deploy is served by itself, on the freed slot, well within the 5 s hold it would
    // otherwise have waited for.
    const served: any[] = await until(
      () => d.cli(['container', 'list', '--json'], bob).then((x) => json(x.stdout)),
      (l: { state: string }[]) => l.some((c) => c.state === 'running'),
    );
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(served[0]).toMatchObject({ name: 'b1', owner: bob.name, state: 'running' });
    expect(served[0].gpuSlots[0].uuid).toBe(slot);
    const ev = json((await d.cli(['events', '--json', '--kind', 'container.'], bob)).stdout);
    expect(
      ev.some((e: { kind: string; actor: string }) => e.kind === 'container.deployed' && e.actor === 'ds01d'),
    ).toBe(true);
    const mine = json((await d.cli(['events', '--json', '--kind', 'container.'], alice)).stdout).map(
      (e: { kind: string }) => e.kind,
    );
    expect(mine).toEqual(
      expect.arrayContaining([
        'container.created',
        'container.started',
        'container.deployed',
        'container.stopped',
        'container.removed',
        'container.retired',
      ]),
    );
  });

  it('plain create/start/stop/remove are idempotent where they should be and say what to do where not', async () => {
    expect((await d.cli(['container-create', 'c1', '--image', image, '--cpu-only'], alice)).code).toBe(0);
    const dup = await d.cli(['container-create', 'c1', '--image', image, '--cpu-only'], alice);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/already have a container named c1[\s\S]*container-start c1/);
    expect((await d.cli(['container-start', 'c1'], alice)).code).toBe(0);
    expect((await d.cli(['container-start', 'c1'], alice)).code).toBe(0); // already running: fine
    const rm = await d.cli(['container-remove', 'c1', '--yes'], alice);
    expect(rm.code).toBe(1);
    expect(rm.stderr).toMatch(/running[\s\S]*container-stop c1/);
    expect((await d.cli(['container-stop', 'c1', '--timeout', '2'], alice)).code).toBe(0);
    expect((await d.cli(['container-stop', 'c1'], alice)).code).toBe(0); // already stopped: fine
    const c = json((await d.cli(['container', 'list', '--json'], alice)).stdout)[0];
    expect(c.state).toBe('exited');
    expect((await d.cli(['container-remove', 'c1', '--yes'], alice)).code).toBe(0);
    expect((await d.cli(['container-remove', 'c1', '--yes'], alice)).code).toBe(4); // gone: not found
    await expect(docker.getContainer(c.id).inspect()).rejects.toThrow(/no such container/i);
    // Without a name and without a terminal: a usage error naming what to pass.
    const noName = await d.cli(['container-stop'], alice);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/container-stop NAME/);
    const noMode = await d.cli(['container-deploy', 'x1', '--image', image, '--cpu-only'], alice);
    expect(noMode.code).toBe(2);
    expect(noMode.stderr).toMatch(/--background or --open/);
  });

  it('the container quota is enforced with the numbers', async () => {
    for (const n of ['q1', 'q2', 'q3'])
      expect((await d.cli(['container-create', n, '--image', image, '--cpu-only'], alice)).code).toBe(0);
    const r = await d.cli(['container-create', 'q4', '--image', image, '--cpu-only'], alice);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/3 containers; your limit is 3/);
    for (const n of ['q1', 'q2', 'q3'])
      expect((await d.cli(['container-retire', n, '--yes'], alice)).code).toBe(0);
  });

  it('a failed create leaves no container and no GPU behind', async () => {
    const r = await d.cli(
      ['container-deploy', 'bad', '--image', 'no-such-image:1', '--gpus', '1', '--background'],
      alice,
    );
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/image-list/);
    const left = await docker.listContainers({ all: true, filters: { name: [`bad._.${alice.uid}`] } });
    expect(left).toEqual([]);
    const info = (await d.request('GET', '/v1/system/info')).body;
    expect(info.gpus.allocated).toBe(1); // bob's only
  });
});

// What a user cannot do: touch another user's container (by name, name._.uid or Docker id — each refusal
// audited), or smuggle privileges, devices, mounts, labels, cgroup parents, runtimes, host networking or
// NVIDIA_* variables into a container; nor point their workspace at someone else's files.
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { execFileText } from '../harness/exec.js';
import { cleanupTestUsers, createTestUser, isRoot, runAs, type TestUser } from '../harness/users.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
const image = inject('baseImage');
let d: TestDaemon;
let alice: TestUser;
let mallory: TestUser;
let target: { id: string; dockerName: string };

/** curl as a user against the daemon: [status, parsed body]. */
async function api(user: TestUser, method: string, path: string, body?: unknown): Promise<[number, any]> {
  const args = ['-s', '-o', '-', '-w', '\n%{http_code}', '--unix-socket', d.socket, '-X', method];
  if (body !== undefined) args.push('-H', 'content-type: application/json', '-d', JSON.stringify(body));
  const r = await runAs(user, 'curl', [...args, `http://ds01${path}`]);
  const lines = r.stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  const text = lines.join('\n');
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // NDJSON or empty
  }
  return [status, parsed];
}

describe.skipIf(!isRoot())('container security', () => {
  beforeAll(async () => {
    alice = await createTestUser();
    mallory = await createTestUser();
    d = await startTestDaemon({ dockerHost: inject('dockerHost') });
    const r = await d.cli(
      ['container-deploy', 'secret', '--image', image, '--cpu-only', '--background', '--json'],
      alice,
    );
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout).container;
    target = { id: c.id, dockerName: c.dockerName };
  });
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it("another user cannot see, read, enter, stop or remove a user's container, by any name", async () => {
    expect(JSON.parse((await d.cli(['container', 'list', '--json'], mallory)).stdout)).toEqual([]);
    const refs = [target.dockerName, target.id, target.id.slice(0, 12)];
    const before = (await d.request('GET', `/v1/events?kind=access.denied&user=${mallory.name}`)).body.length;
    for (const ref of refs) {
      const e = encodeURIComponent(ref);
      for (const [method, path, body] of [
        ['GET', `/v1/containers/${e}`],
        ['GET', `/v1/containers/${e}/stats`],
        ['GET', `/v1/containers/${e}/logs`],
        ['POST', `/v1/containers/${e}/stop`, {}],
        ['POST', `/v1/containers/${e}/start`],
        ['POST', `/v1/containers/${e}/retire`, {}],
        ['DELETE', `/v1/containers/${e}?force=1`],
      ] as const) {
        const [status, res] = await api(mallory, method, path, body);
        expect([method, path, status], JSON.stringify(res)).toEqual([method, path, 403]);
        expect(res.error).toMatchObject({
          code: 'FORBIDDEN',
          message: expect.stringMatching(/is not yours/),
        });
      }
      // The CLI: clear message, exit 3 — including the shell.
      for (const args of [
        ['container-stop', ref],
        ['container-logs', ref],
        ['container-stats', ref],
        ['container-open', ref, '--', 'id'],
        ['container-retire', ref, '--yes'],
      ]) {
        const r = await d.cli(args, mallory);
        expect([args[0], r.code]).toEqual([args[0], 3]);
        expect(r.stderr).toMatch(/is not yours/);
      }
    }
    // A plain name resolves among one's own containers only: not found, not someone else's.
    expect((await d.cli(['container-stop', 'secret'], mallory)).code).toBe(4);
    const denied = (await d.request('GET', `/v1/events?kind=access.denied&user=${mallory.name}`)).body;
    expect(denied.length - before).toBe(refs.length * (7 + 5));
    expect(denied.at(-1)).toMatchObject({
      actor: mallory.name,
      data: expect.objectContaining({ code: 'FORBIDDEN' }),
    });
    // Nothing happened to it.
    const i = await docker.getContainer(target.id).inspect();
    expect(i.State.Running).toBe(true);
  });

  it('nothing can be smuggled into a container spec: extra fields are refused and nothing is created', async () => {
    const base = { name: 'smug', image, gpus: 0 };
    const attempts: Record<string, unknown>[] = [
      { labels: { 'ds01.owner.uid': String(mallory.uid === 0 ? 1 : 0) } },
      { Labels: { 'ds01.owner.uid': '0' } },
      { binds: ['/etc:/host-etc:rw'] },
      { volumes: { '/': {} } },
      { devices: ['/dev/sda'] },
      { privileged: true },
      { capAdd: ['SYS_ADMIN'] },
      { cap_add: ['ALL'] },
      { cgroupParent: 'system.slice' },
      { runtime: 'runc' },
      { networkMode: 'host' },
      { network: 'host' },
      { user: '0:0' },
      { HostConfig: { Privileged: true } },
      { env: { NVIDIA_VISIBLE_DEVICES: 'all' } },
      { env: { LD_PRELOAD: '/tmp/x.so' } },
      { name: '../etc' },
      { name: 'a/b' },
      { name: 'with space' },
      { name: 'a..b' },
    ];
    for (const extra of attempts) {
      for (const path of ['/v1/containers', '/v1/containers/deploy']) {
        const [status, res] = await api(mallory, 'POST', path, { ...base, ...extra });
        expect([JSON.stringify(extra), status]).toEqual([JSON.stringify(extra), 400]);
        expect(res.error.code).toBe('VALIDATION_FAILED');
      }
    }
    const made = await docker.listContainers({
      all: true,
      filters: { label: [`ds01.owner.uid=${mallory.uid}`] },
    });
    expect(made).toEqual([]);
    expect(await docker.listContainers({ all: true, filters: { name: ['smug'] } })).toEqual([]);
  });

  it('what the daemon does create is hardened, whatever the client asked', async () => {
    const [status, res] = await api(mallory, 'POST', '/v1/containers', {
      name: 'plain',
      image,
      gpus: 0,
      env: { FOO: 'bar' },
    });
    expect(status, JSON.stringify(res)).toBe(201);
    const i = await docker.getContainer(res.container.id).inspect();
    const h = i.HostConfig;
    expect(h.Privileged).toBe(false);
    expect(h.CapDrop).toEqual(['ALL']);
    expect(h.CapAdd ?? []).toEqual([]);
    expect(h.Devices ?? []).toEqual([]);
    expect(h.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(h.NetworkMode).not.toBe('host');
    expect(h.PidMode ?? '').toBe('');
    expect(h.IpcMode).not.toBe('host');
    expect(h.CgroupParent ?? '').toBe(''); // aggregate limits off (and this dockerd uses cgroupfs)
    expect(h.Runtime).toBe('runc');
    expect(h.Init).toBe(true);
    // The daemon's own bind source, never the user's path (issue 13 hole 5; workspace-swap.test.ts).
    expect(h.Binds).toEqual([`${d.stateDir}/workspaces/${res.container.dockerName}:/workspace:rw`]);
    expect(h.DeviceRequests ?? []).toEqual([]);
    expect(i.Config.User).toBe(`${mallory.uid}:${mallory.gid}`);
    expect(i.Config.Env).toEqual(
      expect.arrayContaining(['FOO=bar', 'NVIDIA_VISIBLE_DEVICES=void', `USER=${mallory.name}`]),
    );
    expect(Object.keys(i.Config.Labels).every((k) => k.startsWith('ds01.'))).toBe(true);
    expect(i.Config.Labels['ds01.owner.uid']).toBe(String(mallory.uid));
    expect((await api(mallory, 'POST', '/v1/containers/plain/retire', {}))[0]).toBe(200);
  });

  it('a workspace that is a symlink (to /etc) or not owned by the user is refused, and nothing is created', async () => {
    const ws = `${mallory.home}/workspace`;
    mkdirSync(ws, { recursive: true });
    await execFileText('chown', [`${mallory.uid}:${mallory.gid}`, ws]);
    symlinkSync('/etc', `${ws}/evil`);
    const r = await d.cli(
      ['container-deploy', 'evil', '--image', image, '--cpu-only', '--background'],
      mallory,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot use .*evil as a workspace: it is a symbolic link/);
    // A directory owned by someone else (root) in the user's workspace.
    mkdirSync(`${ws}/rootowned`);
    const r2 = await d.cli(
      ['container-deploy', 'rootowned', '--image', image, '--cpu-only', '--background'],
      mallory,
    );
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/belongs to uid 0, not you/);
    expect(
      await docker.listContainers({ all: true, filters: { label: [`ds01.owner.uid=${mallory.uid}`] } }),
    ).toEqual([]);
    expect(readdirSync('/etc').includes('evil')).toBe(false);
    expect(existsSync(`${ws}/evil`)).toBe(true); // never deleted either
  });
});

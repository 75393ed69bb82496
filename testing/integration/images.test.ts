// Images end to end: real users build, list, update and delete their own `ds01-<uid>/…` images through
// the real daemon on the private dockerd (offline: the busybox base is the "custom base", so no pip/apt
// phase can run — the account phase is the step that runs a command). Another user can neither see,
// build on, nor delete them; a failing build names its step and leaves no tag; limits hold.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { packTar } from '../../daemon/common/tar.js';
import { startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { cleanupTestUsers, isRoot, runAs, type TestUser } from '../harness/users.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
const BASE = inject('baseImage');
const OFFLINE = ['--base', BASE, '--no-jupyter', '--no-datascience', '--yes'];
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser; // admin
const madeContainers: string[] = [];

/** Run a command in a container from `image` as the user's uid:gid, return its output. */
async function runIn(image: string, u: TestUser, cmd: string): Promise<string> {
  const c = await docker.createContainer({
    Image: image,
    User: `${u.uid}:${u.gid}`,
    Cmd: ['sh', '-c', cmd],
    HostConfig: { NetworkMode: 'none' },
  });
  madeContainers.push(c.id);
  await c.start();
  await c.wait();
  const logs = (await c.logs({ stdout: true, stderr: true })) as Buffer;
  // Docker multiplexes stdout/stderr with 8-byte frame headers.
  const out: Buffer[] = [];
  for (let i = 0; i + 8 <= logs.length; ) {
    const n = logs.readUInt32BE(i + 4);
    out.push(logs.subarray(i + 8, i + 8 + n));
    i += 8 + n;
  }
  await c.remove({ force: true });
  return Buffer.concat(out).toString();
}

/** POST a raw tar to the build endpoint as a user (curl), returning the NDJSON events. */
async function curlBuild(u: TestUser, name: string, tar: Buffer, extra: string[] = []): Promise<any[]> {
  const file = join(u.home, `ctx-${name}.tar`);
  writeFileSync(file, tar, { mode: 0o644 });
  const r = await runAs(u, 'curl', [
    '-s',
    '--unix-socket',
    d.socket,
    ...extra,
    '-H',
    'Content-Type: application/x-tar',
    '--data-binary',
    `@${file}`,
    `http://ds01/v1/images/build?name=${name}`,
  ]);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

const ownRefs = async (u: TestUser) =>
  (await docker.listImages()).flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith(`ds01-${u.uid}/`));

describe.skipIf(!isRoot())('images (real users, real dockerd)', () => {
  beforeAll(async () => {
    ({ d, alice, bob, carol } = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      env: { DS01_BUILD_TIMEOUT: '8', DS01_BUILD_MAX_CONTEXT: String(256 * 1024) },
    }));
  });
  afterAll(async () => {
    for (const id of madeContainers)
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('a user creates an image from flags: Dockerfile in their home, owned by them; tagged and labelled as theirs', async () => {
    const r = await d.cli(['image', 'create', 'proj', ...OFFLINE], alice);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[\d+\/\d+\] RUN set -e;/); // the account step ran, shown as plain progress
    expect(r.stderr).toContain(`built ds01-${alice.uid}/proj:latest`);
    const path = join(alice.home, 'dockerfiles/proj.Dockerfile');
    expect(statSync(path).uid).toBe(alice.uid);
    expect(readFileSync(path, 'utf8')).toContain(`FROM ${BASE}`);
    const info = await docker.getImage(`ds01-${alice.uid}/proj:latest`).inspect();
    expect(info.Config.Labels).toMatchObject({
      'ds01.owner.uid': String(alice.uid),
      'ds01.owner.name': alice.name,
      'ds01.image.name': 'proj',
    });
    // The account phase worked on busybox: the user has a name and a home in the image.
    const out = await runIn(
      `ds01-${alice.uid}/proj:latest`,
      alice,
      'whoami; echo $HOME; stat -c %u /home/$(whoami); pwd',
    );
    expect(out.split('\n').slice(0, 4)).toEqual([
      alice.name,
      `/home/${alice.name}`,
      String(alice.uid),
      '/workspace',
    ]);
    const list = JSON.parse((await d.cli(['image-list', '--json'], alice)).stdout);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      ref: `ds01-${alice.uid}/proj:latest`,
      name: 'proj',
      tag: 'latest',
      ownerUid: alice.uid,
    });
    expect(list[0].sizeBytes).toBeGreaterThan(0);
  });

  it('a container deployed from it is listed as using it; delete refuses without --force and says what --force breaks', async () => {
    const ref = `ds01-${alice.uid}/proj:latest`;
    // The bare name means the user's own image: ds01-<uid>/proj:latest.
    const dep = await d.cli(
      ['container', 'deploy', 'proj', '--image', 'proj', '--cpu-only', '--background', '--yes'],
      alice,
    );
    expect(dep.code, dep.stderr).toBe(0);
    const containerName = `proj._.${alice.uid}`;
    // Docker is handed the image's full id, never the name the user typed; ds01 shows the name.
    const made = await docker.getContainer(containerName).inspect();
    expect(made.Config.Image).toBe((await docker.getImage(ref).inspect()).Id);
    expect(JSON.parse((await d.cli(['container', 'list', '--json'], alice)).stdout)[0].image).toBe(ref);
    const list = JSON.parse((await d.cli(['image-list', '--json'], alice)).stdout);
    expect(list[0].containers.map((c: { name: string }) => c.name)).toContain(containerName);
    const refused = await d.cli(['image-delete', 'proj'], alice);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/used by 1 container\(s\): proj\._\./);
    expect(refused.stderr).toMatch(/--force/);
    expect(await ownRefs(alice)).toContain(ref);
    // Keep this one: the next tests use it. A second image shows --force.
    expect((await d.cli(['image', 'create', 'tmp1', ...OFFLINE], alice)).code).toBe(0);
    const c2 = await docker.createContainer({
      Image: `ds01-${alice.uid}/tmp1:latest`,
      Cmd: ['true'],
      Labels: { 'ds01.owner.uid': String(alice.uid) },
      name: `tmp1._.${alice.uid}`,
    });
    madeContainers.push(c2.id);
    const forced = await d.cli(['image-delete', 'tmp1', '--force', '--json'], alice);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({
      deleted: true,
      broken: [{ name: `tmp1._.${alice.uid}` }],
    });
    expect(await ownRefs(alice)).not.toContain(`ds01-${alice.uid}/tmp1:latest`);
    const events = (await d.request('GET', `/v1/events?kind=image.deleted&user=${alice.name}`)).body;
    expect(events[0].reason).toMatch(/forced while in use/);
  });

  it('another user cannot see, build on, run or delete it; each refusal is audited', async () => {
    const ref = `ds01-${alice.uid}/proj:latest`;
    expect(JSON.parse((await d.cli(['image-list', '--json', '--all'], bob)).stdout)).toEqual([]);
    const del = await d.cli(['image-delete', 'proj'], bob);
    expect(del.code).toBe(4); // bob has no image of that name: his own namespace
    const direct = await runAs(bob, 'curl', [
      '-s',
      '-X',
      'DELETE',
      '--unix-socket',
      d.socket,
      `http://ds01/v1/images/proj?owner=${alice.uid}`,
    ]);
    expect(JSON.parse(direct.stdout).error.code).toBe('FORBIDDEN');
    // Building on it: refused from the Dockerfile itself, before Docker sees a whole context.
    const events = await curlBuild(
      bob,
      'steal',
      await packTar([{ name: 'Dockerfile', data: `FROM ${ref}\nRUN true\n` }]),
    );
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await ownRefs(bob)).toEqual([]);
    const bobImage = await d.cli(
      ['image', 'create', 'steal', '--base', ref, '--no-jupyter', '--no-datascience', '--yes'],
      bob,
    );
    expect(bobImage.code).toBe(3);
    expect(bobImage.stderr).toMatch(/another user's image/);
    const audited = (await d.request('GET', `/v1/events?kind=access.denied&user=${bob.name}`)).body;
    expect(audited.length).toBeGreaterThanOrEqual(1);
    const failed = (await d.request('GET', `/v1/events?kind=image.build_failed&user=${bob.name}`)).body;
    expect(failed.some((e: { data: { code: string } }) => e.data.code === 'FORBIDDEN')).toBe(true);
    // The admin sees it and may delete it (not done here: later tests use it).
    const all = JSON.parse((await d.cli(['image-list', '--json', '--all'], carol)).stdout);
    expect(all.map((i: { ref: string }) => i.ref)).toContain(ref);
    // Running it: another user's container from alice's image is refused by the container service.
    const run = await d.cli(['container', 'create', 'x', '--image', ref, '--cpu-only'], bob);
    expect(run.code, `${run.stdout}${run.stderr}`).toBe(3);
    expect(run.stderr).toMatch(/another user's image/);
  });

  it('image-update: a failing step is reported with its output and the old image stays, with no half tag', async () => {
    const ref = `ds01-${alice.uid}/proj:latest`;
    const before = (await docker.getImage(ref).inspect()).Id;
    const r = await d.cli(['image-update', 'proj', '--add-system', 'curl', '--yes'], alice);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/updated .*proj\.Dockerfile \(\+apt: curl\)/);
    expect(r.stderr).toMatch(/failing step \d+\/\d+: RUN apt-get update/);
    expect(r.stderr).toMatch(/apt-get: not found/);
    expect(r.stderr).toContain('the previous image is unchanged');
    expect((await docker.getImage(ref).inspect()).Id).toBe(before);
    expect((await ownRefs(alice)).sort()).toEqual([ref]);
    // Bad names never reach a build.
    const bad = await d.cli(['image-update', 'proj', '--add', 'torch>>2', '--yes'], alice);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"torch>>2" is not a valid pip package/);
  });

  it('image-update --rebuild --no-cache makes a new image under the same tag', async () => {
    // --json: the result on stdout (progress stays on stderr), the same image Docker has.
    const made = await d.cli(['image', 'create', 'upd', ...OFFLINE, '--json'], alice);
    expect(made.code, made.stderr).toBe(0);
    const ref = `ds01-${alice.uid}/upd:latest`;
    const before = (await docker.getImage(ref).inspect()).Id;
    expect(JSON.parse(made.stdout)).toMatchObject({
      name: 'upd',
      dockerfile: join(alice.home, 'dockerfiles/upd.Dockerfile'),
      built: true,
      image: { ref, id: before },
    });
    const r = await d.cli(['image-update', 'upd', '--rebuild', '--no-cache', '--yes', '--json'], alice);
    expect(r.code, r.stderr).toBe(0);
    const after = (await docker.getImage(ref).inspect()).Id;
    expect(after).not.toBe(before);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'upd', built: true, image: { ref, id: after } });
    expect((await d.cli(['image-delete', 'upd'], alice)).code).toBe(0);
    expect(await ownRefs(alice)).not.toContain(ref);
  });

  it('build limits: context size while streaming, build time, and a failing RUN', async () => {
    const bigTar = await packTar([
      { name: 'Dockerfile', data: `FROM ${BASE}\n` },
      { name: 'blob', data: Buffer.alloc(512 * 1024, 1) },
    ]);
    // A declared length over the limit is refused before anything is read …
    const declared = await curlBuild(alice, 'big', bigTar);
    expect(declared.at(-1)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    // … and a chunked upload is cut off while it streams.
    const big = await curlBuild(alice, 'big', bigTar, ['-H', 'Transfer-Encoding: chunked']);
    expect(big.at(-1), JSON.stringify(big)).toMatchObject({ type: 'error', code: 'PAYLOAD_TOO_LARGE' });
    const slow = await curlBuild(
      alice,
      'slow',
      await packTar([{ name: 'Dockerfile', data: `FROM ${BASE}\nRUN sleep 60\n` }]),
    );
    expect(slow.at(-1)).toMatchObject({ type: 'error', code: 'BUILD_TIMEOUT' });
    const failing = await curlBuild(
      alice,
      'failing',
      await packTar([{ name: 'Dockerfile', data: `FROM ${BASE}\nRUN echo about to fail && false\n` }]),
    );
    expect(failing.at(-1)).toMatchObject({
      type: 'error',
      code: 'BUILD_FAILED',
      // total counts the LABEL steps the daemon's labels add
      step: { step: 2, instruction: 'RUN echo about to fail && false' },
    });
    expect(failing.at(-1).output).toContain('about to fail');
    expect(failing.at(-1).hint).toContain('`image-update failing --rebuild`');
    // The private dockerd has no network: a download really fails, and the error says so, naming the image.
    const offline = await curlBuild(
      alice,
      'offline',
      await packTar([
        { name: 'Dockerfile', data: `FROM ${BASE}\nRUN wget -q -O /dev/null http://example.invalid/\n` },
      ]),
    );
    expect(offline.at(-1), JSON.stringify(offline.at(-1))).toMatchObject({
      type: 'error',
      code: 'BUILD_FAILED',
    });
    expect(offline.at(-1).message).toMatch(/network problem stopped the build of offline at step 2\//);
    expect(offline.at(-1).hint).toContain('`image-update offline --rebuild`');
    expect(offline.at(-1).hint).not.toMatch(/fix that step/);
    for (const n of ['big', 'slow', 'failing', 'offline'])
      expect(await ownRefs(alice)).not.toContain(`ds01-${alice.uid}/${n}:latest`);
    // Labels a Dockerfile sets cannot claim another owner: ds01.* labels are refused outright.
    const forged = await curlBuild(
      alice,
      'forged',
      await packTar([{ name: 'Dockerfile', data: `FROM ${BASE}\nLABEL ds01.owner.uid=${bob.uid}\n` }]),
    );
    expect(forged.at(-1)).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await ownRefs(alice)).not.toContain(`ds01-${alice.uid}/forged:latest`);
  });

  it('a build context with a path over 100 bytes passes the upload checks and lands in the image', async () => {
    const deep = `${Array.from({ length: 8 }, (_, i) => `directory-level-${i}`).join('/')}/data-file.txt`;
    expect(Buffer.byteLength(deep)).toBeGreaterThan(100); // past ustar's name field
    const events = await curlBuild(
      alice,
      'deep',
      await packTar([
        { name: 'Dockerfile', data: `FROM ${BASE}\nCOPY ${deep} /deep.txt\n` },
        { name: deep, data: 'from a deep path\n' },
      ]),
    );
    expect(events.at(-1), JSON.stringify(events)).toMatchObject({ type: 'done' });
    expect(await runIn(`ds01-${alice.uid}/deep:latest`, alice, 'cat /deep.txt')).toBe('from a deep path\n');
  });

  it('project-launch: a fresh project through the build of its image to a running container, then again', async () => {
    const init = await d.cli(['project-init', 'launchme', ...OFFLINE, '--no-build', '--json'], alice);
    expect(init.code, init.stderr).toBe(0);
    const dockerfile = join(alice.home, 'workspace/launchme/Dockerfile');
    expect(JSON.parse(init.stdout)).toMatchObject({
      name: 'launchme',
      dockerfile,
      built: false,
      image: null,
    });
    const ref = `ds01-${alice.uid}/launchme:latest`;
    expect(await ownRefs(alice)).not.toContain(ref);

    const r = await d.cli(['project-launch', 'launchme', '--cpu-only', '--background', '--json'], alice);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/launchme: its image does not exist yet; building/);
    expect(r.stderr).toMatch(/\[\d+\/\d+\] RUN /); // the build's progress
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      project: 'launchme',
      built: true,
      action: 'deployed',
      image: { ref },
      container: { status: 'running', container: { name: 'launchme', state: 'running' } },
    });
    const made = await docker.getContainer(out.container.container.id).inspect();
    expect(made.Image).toBe(out.image.id);
    expect(made.State.Running).toBe(true);

    // Typed again: the image is current and the container runs — nothing to do.
    const again = JSON.parse((await d.cli(['project-launch', 'launchme', '--json'], alice)).stdout);
    expect(again).toMatchObject({ built: false, action: 'none', image: { ref, id: out.image.id } });

    // Stopped, and the Dockerfile edited since the build: rebuilt, then the container is started again.
    expect((await d.cli(['container-stop', 'launchme', '--force'], alice)).code).toBe(0);
    const later = new Date(Date.now() + 60_000);
    utimesSync(dockerfile, later, later);
    const third = await d.cli(['project-launch', 'launchme', '--json'], alice);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toMatch(/its Dockerfile changed since the image was built/);
    expect(third.stderr).toMatch(/still runs the image it was made from/);
    expect(JSON.parse(third.stdout)).toMatchObject({
      built: true,
      action: 'started',
      container: { state: 'running' },
    });

    // No project: says what to make first.
    const none = await d.cli(['project-launch', 'nothing-here'], alice);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/project-init nothing-here/);
    expect((await d.cli(['container-retire', 'launchme', '--yes', '--force'], alice)).code).toBe(0);
  });

  it('project-init from flags: layout, git, Dockerfile and image, then the next command', async () => {
    const r = await d.cli(['project-init', 'thesis', '--type', 'general', ...OFFLINE], alice);
    expect(r.code, r.stderr).toBe(0);
    const dir = join(alice.home, 'workspace/thesis');
    for (const f of [
      'README.md',
      '.gitignore',
      'requirements.txt',
      'Dockerfile',
      'data/raw',
      'notebooks',
      'src',
      '.git',
    ])
      expect(existsSync(join(dir, f)), f).toBe(true);
    expect(statSync(join(dir, 'Dockerfile')).uid).toBe(alice.uid);
    expect(r.stderr).toMatch(
      new RegExp(`next: container-deploy thesis --image ds01-${alice.uid}/thesis:latest`),
    );
    expect(await ownRefs(alice)).toContain(`ds01-${alice.uid}/thesis:latest`);
    // image-update now edits the project's Dockerfile (it exists in ~/workspace/thesis).
    const dry = await d.cli(['image-create', 'thesis', '--dry-run', ...OFFLINE, '--use-case', 'cv'], alice);
    expect(dry.stdout).toContain('opencv-python-headless');
    // A cv project without building (pip cannot run offline), and without git on PATH: a note, not a failure.
    const noGit = mkdtempSync(join(tmpdir(), 'ds01-nogit-'));
    chmodSync(noGit, 0o755);
    symlinkSync(
      execFileSync('sh', ['-c', 'command -v setpriv'], { encoding: 'utf8' }).trim(),
      join(noGit, 'setpriv'),
    );
    const cv = await d
      .cli(['project-init', 'vision', '--type', 'cv', '--no-build', ...OFFLINE], alice, {
        env: { PATH: noGit },
      })
      .finally(() => rmSync(noGit, { recursive: true, force: true }));
    expect(cv.code, cv.stderr).toBe(0);
    expect(cv.stderr).toMatch(/git is not installed here; skipped/);
    expect(readFileSync(join(alice.home, 'workspace/vision/Dockerfile'), 'utf8')).toContain(
      'opencv-python-headless',
    );
    expect(cv.stderr).toMatch(/next: image-update vision --rebuild/);
  });

  it('user-setup from flags: checks access, adds only a public key, makes the project', async () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKq2t4Vq0Gb1Ww9wY5a0m1nQh9mJw5l3dT7rZ1bQy8xR laptop';
    const priv = await d.cli(
      ['user-setup', '--quick', '--pubkey', '-----BEGIN OPENSSH PRIVATE KEY----- abc', '--no-project'],
      bob,
    );
    expect(priv.code).toBe(2);
    expect(priv.stderr).toMatch(/PRIVATE key/);
    expect(existsSync(join(bob.home, '.ssh/authorized_keys'))).toBe(false);
    const r = await d.cli(
      [
        'user-setup',
        '--quick',
        '--pubkey',
        key,
        '--project',
        'first',
        '--type',
        'general',
        '--no-deploy',
        '--host',
        'gpu1',
        ...OFFLINE,
      ],
      bob,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`you are ${bob.name} (uid ${bob.uid})`);
    expect(r.stderr).toMatch(/Host ds01\n\s+HostName gpu1\n\s+User /);
    const ak = join(bob.home, '.ssh/authorized_keys');
    expect(readFileSync(ak, 'utf8')).toBe(`${key}\n`);
    expect(statSync(ak).mode & 0o777).toBe(0o600);
    expect(statSync(ak).uid).toBe(bob.uid);
    expect(await ownRefs(bob)).toEqual([`ds01-${bob.uid}/first:latest`]);
    expect(r.stderr).toMatch(/next: container-deploy first/);
    // Without a terminal and without the flag, a question is a usage error that names the flag.
    const ask = await d.cli(['project-init'], bob);
    expect(ask.code).toBe(2);
    expect(ask.stderr).toMatch(/no terminal to ask on; give the name/);
  });
});

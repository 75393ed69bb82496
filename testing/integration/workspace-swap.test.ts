// Issue 13 hole 5: the workspace was checked only at create, and racily even then. dockerd resolves a bind
// source path again at every start, following symlinks, so (a) deploy, stop, replace ~/workspace/NAME with
// a symlink to /etc (or into another user's 0700 project), start → the target was mounted rw at
// /workspace; (b) a directory flipping to a symlink during a fresh deploy won within a few tries. Ground
// truth: what the container itself sees at /workspace.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { editPolicy, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { cleanupTestUsers, createTestUser, isRoot, type TestUser } from '../harness/users.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
const image = inject('baseImage');
let d: TestDaemon;
let alice: TestUser;
let mallory: TestUser;

/** Exit code of a command run inside the container, as its user (the owner). */
async function inside(id: string, cmd: string[]): Promise<number> {
  const ex = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await ex.start({});
  stream.resume();
  await new Promise((r) => stream.on('end', r));
  return (await ex.inspect()).ExitCode ?? -1;
}

async function deploy(user: TestUser, name: string) {
  const r = await d.cli(
    ['container-deploy', name, '--image', image, '--cpu-only', '--background', '--json'],
    user,
  );
  return { ...r, id: r.code === 0 ? (JSON.parse(r.stdout).container.id as string) : null };
}

function ownedDir(path: string, u: TestUser, mode = 0o755) {
  mkdirSync(path, { recursive: true });
  chownSync(path, u.uid, u.gid);
  chmodSync(path, mode);
}

describe.skipIf(!isRoot())('workspace bind sources the user cannot swap', () => {
  beforeAll(async () => {
    alice = await createTestUser();
    mallory = await createTestUser();
    d = await startTestDaemon({ dockerHost: inject('dockerHost') });
    editPolicy(d.policyPath, { 'defaults.idle_timeout': '10m', 'defaults.max_containers_per_user': 20 });
    expect((await d.request('POST', '/v1/admin/policy/reload')).status).toBe(200);
    // alice's private project: a 0700 directory with a readable subdirectory holding a secret.
    ownedDir(`${alice.home}/workspace`, alice, 0o750);
    ownedDir(`${alice.home}/workspace/secret`, alice, 0o700);
    ownedDir(`${alice.home}/workspace/secret/inner`, alice, 0o755);
    writeFileSync(`${alice.home}/workspace/secret/inner/flag`, 'alice-only');
    chownSync(`${alice.home}/workspace/secret/inner/flag`, alice.uid, alice.gid);
  });
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  for (const [label, target] of [
    ['/etc', () => '/etc'],
    ["a directory inside another user's 0700 project", () => `${alice.home}/workspace/secret/inner`],
  ] as const) {
    it(`deploy, stop, swap ~/workspace/NAME for a symlink to ${label}, start: refused, nothing mounted`, async () => {
      const name = `swap${label.length}`;
      const r = await deploy(mallory, name);
      expect(r.code, r.stderr).toBe(0);
      const id = r.id as string;
      expect(await inside(id, ['test', '-e', '/workspace/passwd'])).not.toBe(0);
      expect((await d.cli(['container-stop', name], mallory)).code).toBe(0);
      const ws = `${mallory.home}/workspace/${name}`;
      renameSync(ws, `${ws}.real`);
      symlinkSync(target(), ws);
      const start = await d.cli(['container-start', name], mallory);
      expect(start.code).not.toBe(0);
      expect(start.stderr).toMatch(/symbolic link/);
      expect((await docker.getContainer(id).inspect()).State.Running).toBe(false);
      // Back to the real directory: it starts, and shows that directory, not the earlier target.
      rmSync(ws);
      renameSync(`${ws}.real`, ws);
      writeFileSync(`${ws}/mine`, 'x');
      const again = await d.cli(['container-start', name], mallory);
      expect(again.code, again.stderr).toBe(0);
      expect(await inside(id, ['test', '-e', '/workspace/mine'])).toBe(0);
      expect(await inside(id, ['test', '-e', '/workspace/passwd'])).not.toBe(0);
      expect(await inside(id, ['test', '-e', '/workspace/flag'])).not.toBe(0);
      await d.cli(['container-retire', name], mallory);
    });
  }

  it('~/workspace itself swapped for a symlink is refused at start too', async () => {
    const r = await deploy(mallory, 'rootswap');
    expect(r.code, r.stderr).toBe(0);
    expect((await d.cli(['container-stop', 'rootswap'], mallory)).code).toBe(0);
    const root = `${mallory.home}/workspace`;
    const elsewhere = `${mallory.home}/elsewhere`;
    ownedDir(elsewhere, mallory);
    symlinkSync(`${alice.home}/workspace/secret/inner`, `${elsewhere}/rootswap`);
    renameSync(root, `${root}.real`);
    symlinkSync(elsewhere, root);
    try {
      const start = await d.cli(['container-start', 'rootswap'], mallory);
      expect(start.code).not.toBe(0);
      expect(start.stderr).toMatch(/symbolic link/);
    } finally {
      rmSync(root);
      renameSync(`${root}.real`, root);
    }
    await d.cli(['container-retire', 'rootswap'], mallory);
  });

  it('a directory flipping to a symlink during fresh deploys never gets /etc mounted', async () => {
    const tries = 10;
    // As mallory: every ~/workspace/flipN is a directory for 50 ms, then a symlink to /etc for 50 ms.
    const names = Array.from({ length: tries }, (_, i) => `flip${i}`).join(' ');
    const script = `cd "$HOME/workspace" && while :; do
      for n in ${names}; do rm -rf "$n"; mkdir "$n"; done; sleep 0.05
      for n in ${names}; do rm -rf "$n"; ln -s /etc "$n"; done; sleep 0.05
    done`;
    ownedDir(`${mallory.home}/workspace`, mallory, 0o750);
    const flipper: ChildProcess = spawn(
      'setpriv',
      [`--reuid=${mallory.uid}`, `--regid=${mallory.gid}`, '--init-groups', '--', 'sh', '-c', script],
      {
        env: { HOME: mallory.home, PATH: process.env.PATH ?? '/usr/bin:/bin' },
        stdio: 'ignore',
        detached: true,
      },
    );
    const leaked: string[] = [];
    let started = 0;
    const refused: string[] = [];
    try {
      for (let i = 0; i < tries; i++) {
        const r = await deploy(mallory, `flip${i}`);
        if (!r.id) {
          // Refused (the check saw the symlink, or the directory vanished under the start): safe.
          refused.push(r.stderr.trim().split('\n')[0] ?? '');
          continue;
        }
        started++;
        if ((await inside(r.id, ['test', '-e', '/workspace/passwd'])) === 0) leaked.push(`flip${i}`);
      }
    } finally {
      process.kill(-(flipper.pid as number), 'SIGKILL');
    }
    expect(
      leaked,
      `/etc mounted at /workspace in ${leaked.join(', ')} (${started} started; refused: ${refused.join(' | ')})`,
    ).toEqual([]);
  });
});

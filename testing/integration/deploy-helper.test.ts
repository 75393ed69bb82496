// Issue 17, the deploy path as production runs it. ds01d.service's sandbox gives ds01d a mount namespace
// of its own, so its workspace helper runs through nsenter in dockerd's: here ds01d is started the same way
// (unshare --mount), which is the path the ordinary test daemons (same namespace as dockerd, helper code
// in process) never take. Shown on a real dockerd:
//   - one long-lived helper process, in dockerd's mount namespace, binds every start's workspace; killed
//     between two deploys, the next deploy starts a new one and works as before;
//   - a new container's passwd/group/home go into its overlay2 upper layer through that helper: Docker
//     sees no archive put (no `extract-to-dir` event) and the user still has a name, a home and their files;
//     /etc/passwd stays an ordinary file root can edit inside;
//   - an image whose /home is a symlink takes the archive put (which follows it), as before.
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { editPolicy, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { execFileResult } from '../harness/exec.js';
import { buildTestImage } from '../harness/images.js';
import { cleanupTestUsers, createTestUser, isRoot, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
const base = inject('baseImage');
const HOME_LINK = 'ds01-test/home-symlink:latest';
const NO_HOME = 'ds01-test/no-home:latest';
let d: TestDaemon;
let alice: TestUser;

const dockerdPid = () =>
  Number(readFileSync(`${dirname(inject('dockerSocket'))}/dockerd.pid`, 'utf8').trim());
const mntNs = (pid: number) => readlinkSync(`/proc/${pid}/ns/mnt`);

/** ds01d's workspace helpers: its children running bind-helper.js --serve. */
function helpers(): number[] {
  const parent = d.proc.pid as number;
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        return ppid === parent && cmd.some((a) => a.endsWith('bind-helper.js')) && cmd.includes('--serve');
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

async function deploy(name: string, image = base): Promise<string> {
  const r = await d.cli(
    ['container-deploy', name, '--image', image, '--cpu-only', '--background', '--json'],
    alice,
  );
  expect(r.code, `${r.stderr}\n${d.logs().slice(-3000)}`).toBe(0);
  return JSON.parse(r.stdout).container.id as string;
}

/** A shell command inside the container (as its user, or root), through the docker CLI. */
async function inside(id: string, script: string, user?: string) {
  return execFileResult('docker', [
    '-H',
    inject('dockerHost'),
    'exec',
    ...(user ? ['-u', user] : []),
    id,
    'sh',
    '-c',
    script,
  ]);
}

/** Docker's archive events (put: extract-to-dir; read/stat: archive-path) per container since `since`. */
async function archiveEvents(since: number): Promise<{ action: string; id: string }[]> {
  const stream = await docker.getEvents({
    since,
    until: Math.ceil(Date.now() / 1000) + 1,
    filters: JSON.stringify({ type: ['container'], event: ['extract-to-dir', 'archive-path'] }),
  });
  const chunks: Buffer[] = [];
  for await (const c of stream as NodeJS.ReadableStream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks)
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { Action: string; Actor: { ID: string } })
    .map((e) => ({ action: e.Action, id: e.Actor.ID }));
}

async function knowsAlice(id: string) {
  const r = await inside(id, 'whoami; cd ~ && pwd; id -u; id -g; touch /workspace/made-inside');
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.split('\n')).toEqual([
    alice.name,
    `/home/${alice.name}`,
    String(alice.uid),
    String(alice.gid),
    '',
  ]);
}

describe.skipIf(!isRoot())(
  'deploy under a sandboxed ds01d: one workspace helper, user files in the upper layer',
  () => {
    beforeAll(async () => {
      alice = await createTestUser();
      await buildTestImage(
        docker,
        HOME_LINK,
        `FROM ${base}\nRUN rmdir /home && mkdir -p /var/home && ln -s var/home /home\n`,
      );
      await buildTestImage(docker, NO_HOME, `FROM ${base}\nRUN rmdir /home\n`);
      d = await startTestDaemon({ dockerHost: inject('dockerHost'), ownMountNamespace: true });
      editPolicy(d.policyPath, { 'defaults.idle_timeout': '10m', 'defaults.max_containers_per_user': 10 });
      expect((await d.request('POST', '/v1/admin/policy/reload')).status).toBe(200);
    }, 180_000);
    afterAll(async () => {
      await d?.cleanup();
      await cleanupTestUsers();
      for (const t of [HOME_LINK, NO_HOME])
        await docker
          .getImage(t)
          .remove({ force: true })
          .catch(() => undefined);
    });

    it('ds01d runs in a mount namespace of its own, as under its unit', () => {
      expect(mntNs(d.proc.pid as number)).not.toBe(mntNs(dockerdPid()));
    });

    it('one helper in dockerd’s namespace; the user files go into the upper layer, not an archive put', async () => {
      const since = Math.floor(Date.now() / 1000) - 1;
      const first = await deploy('one');
      const second = await deploy('two');
      const hs = await until(
        async () => helpers(),
        (h) => h.length === 1,
      );
      expect(hs).toHaveLength(1);
      expect(mntNs(hs[0] as number)).toBe(mntNs(dockerdPid()));
      for (const id of [first, second]) {
        await knowsAlice(id);
        expect(statSync(`${alice.home}/workspace/${id === first ? 'one' : 'two'}/made-inside`).uid).toBe(
          alice.uid,
        );
      }
      const events = await archiveEvents(since);
      // The first deploy of this image by alice reads its passwd/group once (archive-path); no put at all.
      expect(events.filter((e) => e.action === 'extract-to-dir')).toEqual([]);
      expect(events.filter((e) => e.id === second)).toEqual([]);
      // /etc/passwd is an ordinary file in the container: root inside can add a user (what adduser does).
      const r = await inside(
        first,
        `echo 'extra:x:4242:4242::/nonexistent:/bin/sh' >> /etc/passwd && sed -i 's/^extra:/extra2:/' /etc/passwd && grep -c '^extra2:' /etc/passwd && stat -c '%a %U' /etc/passwd /etc/group /home/${alice.name}`,
        '0',
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n')).toEqual(['1', '644 root', '644 root', `700 ${alice.name}`, '']);
    }, 120_000);

    it('a helper killed between two deploys is replaced; the next deploy and a restart bind as before', async () => {
      const [old] = helpers();
      expect(old).toBeDefined();
      process.kill(old as number, 'SIGKILL');
      await until(
        async () => helpers(),
        (h) => !h.includes(old as number),
      );
      const since = Math.floor(Date.now() / 1000) - 1;
      const id = await deploy('three');
      await knowsAlice(id);
      const now = helpers();
      expect(now).toHaveLength(1);
      expect(now[0]).not.toBe(old);
      expect((await archiveEvents(since)).filter((e) => e.action === 'extract-to-dir')).toEqual([]);
      // Stop and start: the start binds the workspace again through the same helper.
      expect((await d.cli(['container-stop', 'one'], alice)).code).toBe(0);
      const start = await d.cli(['container-start', 'one'], alice);
      expect(start.code, start.stderr).toBe(0);
      expect(helpers()).toEqual(now);
      const r = await inside(id, 'ls /workspace');
      expect(r.stdout).toContain('made-inside');
    }, 120_000);

    it('an image whose /home is a symlink takes the archive put, which follows it', async () => {
      const since = Math.floor(Date.now() / 1000) - 1;
      const id = await deploy('linked', HOME_LINK);
      await knowsAlice(id);
      expect((await inside(id, `test -d /var/home/${alice.name} && readlink /home`)).stdout).toBe(
        'var/home\n',
      );
      expect(
        (await archiveEvents(since)).filter((e) => e.id === id && e.action === 'extract-to-dir'),
      ).toHaveLength(1);
    }, 120_000);

    it('an image without /home gets one (root’s, 0755) from the upper layer', async () => {
      const since = Math.floor(Date.now() / 1000) - 1;
      const id = await deploy('homeless', NO_HOME);
      await knowsAlice(id);
      expect((await inside(id, 'stat -c "%a %U" /home')).stdout).toBe('755 root\n');
      expect(
        (await archiveEvents(since)).filter((e) => e.id === id && e.action === 'extract-to-dir'),
      ).toEqual([]);
    }, 120_000);
  },
);

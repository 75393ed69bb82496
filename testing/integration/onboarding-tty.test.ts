// project-init and user-setup through a real pseudo-terminal (tmux), answers typed at the enquirer
// prompts, as a real user against the real daemon and the private dockerd (offline busybox base: the
// first entry of the test policy's image catalogue, so pressing Enter at the base picker picks it).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLI_JS, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { cleanupTestUsers, createTestUser, isRoot, type TestUser } from '../harness/users.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
const server = `ds01img${randomBytes(3).toString('hex')}`; // a private tmux server, killed at the end
let d: TestDaemon;
let dana: TestUser;

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Start the CLI as the user in a new tmux session; the shell prints EXIT=<code> when it ends. */
function start(session: string, u: TestUser, args: string[]) {
  const env = [
    `HOME=${u.home}`,
    `USER=${u.name}`,
    `LOGNAME=${u.name}`,
    `PATH=${process.env.PATH}`,
    `DS01_SOCKET=${d.socket}`,
    'NO_COLOR=1',
    'TERM=xterm-256color',
  ];
  const cmd = [
    'setpriv',
    `--reuid=${u.uid}`,
    `--regid=${u.gid}`,
    '--init-groups',
    '--',
    'env',
    '-i',
    ...env,
    process.execPath,
    CLI_JS,
    ...args,
  ]
    .map(q)
    .join(' ');
  tmux(
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    '200',
    '-y',
    '50',
    '-c',
    u.home,
    `sh -c ${q(`${cmd}; echo EXIT=$?; sleep 600`)}`,
  );
}

const screen = (session: string) => tmux('capture-pane', '-p', '-J', '-S', '-2000', '-t', session);

async function waitFor(session: string, re: RegExp, ms = 60_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const s = screen(session);
    if (re.test(s)) return s;
    if (Date.now() > end) throw new Error(`timed out waiting for ${re} on the terminal:\n${s}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Wait for a prompt, then type the answer (literal text, then Enter unless it is a key name only). */
async function answer(session: string, prompt: RegExp, keys: string[]) {
  await waitFor(session, prompt);
  await new Promise((r) => setTimeout(r, 150)); // let enquirer finish drawing
  for (const k of keys) {
    if (/^(Enter|Space|Down|Up)$/.test(k)) tmux('send-keys', '-t', session, k);
    else tmux('send-keys', '-t', session, '-l', k);
    await new Promise((r) => setTimeout(r, 80));
  }
}

describe.skipIf(!isRoot())('onboarding on a terminal (tmux)', () => {
  beforeAll(async () => {
    dana = await createTestUser();
    d = await startTestDaemon({ dockerHost: inject('dockerHost') });
  });
  afterAll(async () => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('project-init asks for everything it was not given, writes the project and builds the image', async () => {
    const s = 'init';
    start(s, dana, ['project-init']);
    await answer(s, /Project name/, ['ttyproj', 'Enter']);
    await answer(s, /Project type/, ['Enter']); // general
    await answer(s, /Base image/, ['Enter']); // busybox, the catalogue's first entry
    await answer(s, /Add JupyterLab\?/, ['n']); // enquirer's confirm takes y/n without Enter
    await answer(s, /data-science stack/, ['n']);
    // No use-case question: the project type (general) answered it.
    await answer(s, /Extra pip packages/, ['Enter']);
    await answer(s, /System \(apt\) packages/, ['Enter']);
    await answer(s, /Build the ttyproj image now\?/, ['Enter']);
    const out = await waitFor(s, /EXIT=\d+/, 120_000);
    expect(out, out).toMatch(/EXIT=0/);
    expect(out).toMatch(/\[\d+\/\d+\] RUN set -e;/);
    expect(out).toMatch(new RegExp(`next: container-deploy ttyproj --image ds01-${dana.uid}/ttyproj:latest`));
    expect(existsSync(join(dana.home, 'workspace/ttyproj/.git'))).toBe(true);
    expect(readFileSync(join(dana.home, 'workspace/ttyproj/Dockerfile'), 'utf8')).toContain(
      'FROM ds01-test/busybox:latest',
    );
    await docker.getImage(`ds01-${dana.uid}/ttyproj:latest`).inspect();
  });

  it('user-setup walks through access, limits, SSH (public key only) and the first project', async () => {
    const s = 'setup';
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKq2t4Vq0Gb1Ww9wY5a0m1nQh9mJw5l3dT7rZ1bQy8xR tty-laptop';
    start(s, dana, ['user-setup', '--host', 'gpu1']);
    await answer(s, /PUBLIC key/, [key, 'Enter']);
    await answer(s, /Project name/, ['ttysetup', 'Enter']);
    await answer(s, /Project type/, ['Enter']);
    await answer(s, /Base image/, ['Enter']);
    await answer(s, /Add JupyterLab\?/, ['n']); // enquirer's confirm takes y/n without Enter
    await answer(s, /data-science stack/, ['n']);
    // No use-case question: the project type (general) answered it.
    await answer(s, /Extra pip packages/, ['Enter']);
    await answer(s, /System \(apt\) packages/, ['Enter']);
    await answer(s, /Build the ttysetup image now\?/, ['Enter']);
    await answer(s, /Deploy a container for ttysetup now\?/, ['n']);
    const out = await waitFor(s, /EXIT=\d+/, 120_000);
    expect(out, out).toMatch(/EXIT=0/);
    expect(out).toContain(`you are ${dana.name} (uid ${dana.uid})`);
    expect(out).toMatch(/Your limits/);
    expect(out).toMatch(/HostName gpu1/);
    expect(readFileSync(join(dana.home, '.ssh/authorized_keys'), 'utf8')).toBe(`${key}\n`);
    expect(out).toMatch(/next: container-deploy ttysetup/);
    await docker.getImage(`ds01-${dana.uid}/ttysetup:latest`).inspect();
  });
});

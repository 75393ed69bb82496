// The interactive shell through the daemon, driven in a real pseudo-terminal (tmux): a prompt, commands,
// Ctrl-C reaching the shell (not killing the CLI), a window resize seen by `stty size`, and the shell's
// exit code becoming the CLI's.
import { readFileSync, rmSync } from 'node:fs';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLI_JS, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { execFileResult, execFileText } from '../harness/exec.js';
import { cleanupTestUsers, createTestUser, isRoot, type TestUser } from '../harness/users.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
const image = inject('baseImage');
let d: TestDaemon;
let alice: TestUser;
const session = `ds01shell${process.pid}`;
const exitFile = `/tmp/${session}.exit`;

const tmux = (...args: string[]) => execFileText('tmux', ['-L', session, ...args]);
const screen = () => tmux('capture-pane', '-p', '-t', session);

async function waitFor(re: RegExp, ms = 15_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const s = await screen().catch(() => '');
    if (re.test(s)) return s;
    if (Date.now() > end) throw new Error(`screen never matched ${re}:\n${s}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function type(text: string) {
  await tmux('send-keys', '-t', session, '-l', text);
  await tmux('send-keys', '-t', session, 'Enter');
}

describe.skipIf(!isRoot())('interactive shell', () => {
  beforeAll(async () => {
    alice = await createTestUser();
    d = await startTestDaemon({ dockerHost: inject('dockerHost') });
    const r = await d.cli(
      ['container-deploy', 'term', '--image', image, '--cpu-only', '--background'],
      alice,
    );
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await execFileResult('tmux', ['-L', session, 'kill-server']);
    rmSync(exitFile, { force: true });
    const left = await docker.listContainers({ all: true, filters: { label: ['ds01.owner.uid'] } });
    for (const c of left)
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('prompt, commands, Ctrl-C, resize and the exit code, as in ssh', async () => {
    // The CLI runs as alice inside a 100x30 terminal; its exit code lands in a file when it ends.
    const cli = [
      'setpriv',
      `--reuid=${alice.uid}`,
      `--regid=${alice.gid}`,
      '--init-groups',
      'env',
      `DS01_SOCKET=${d.socket}`,
      `HOME=${alice.home}`,
      'TERM=xterm',
      process.execPath,
      CLI_JS,
      'container-open',
      'term',
    ].join(' ');
    await tmux(
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '100',
      '-y',
      '30',
      `${cli}; echo $? > ${exitFile}; sleep 30`,
    );
    await waitFor(/\/workspace \$\s*$/m);
    await type('whoami; echo "in=$PWD"');
    const s1 = await waitFor(/in=\/workspace/);
    expect(s1).toContain(alice.name);
    // Counted as in use while attached.
    expect((await d.request('GET', '/v1/events?kind=container.shell_opened')).body.length).toBe(1);

    await type('stty size');
    await waitFor(/^30 100$/m);
    await tmux('resize-window', '-t', session, '-x', '120', '-y', '40');
    await new Promise((r) => setTimeout(r, 500));
    await type('stty size');
    await waitFor(/^40 120$/m);

    // Ctrl-C interrupts the remote command, not the CLI.
    await type('sleep 100; echo after-sleep');
    await new Promise((r) => setTimeout(r, 500));
    await tmux('send-keys', '-t', session, 'C-c');
    await type('echo still-here');
    await waitFor(/^still-here$/m);
    expect(await screen()).not.toMatch(/^after-sleep$/m);

    await type('exit 7');
    const end = Date.now() + 15_000;
    while (Date.now() < end) {
      try {
        const code = readFileSync(exitFile, 'utf8').trim();
        if (code) {
          expect(code).toBe('7');
          const closed = (await d.request('GET', '/v1/events?kind=container.shell_closed')).body;
          expect(closed.at(-1)).toMatchObject({ data: expect.objectContaining({ exitCode: 7 }) });
          return;
        }
      } catch {
        // not yet
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`the CLI did not exit:\n${await screen()}`);
  });

  it('a stopped container cannot be opened; the message says what to do', async () => {
    expect((await d.cli(['container-stop', 'term', '--force'], alice)).code).toBe(0);
    const r = await d.cli(['container-open', 'term'], alice);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not running[\s\S]*container-start term/);
    // container-run starts it and runs the command.
    const run = await d.cli(['container-run', 'term', '--', 'sh', '-c', 'echo ran; exit 3'], alice);
    expect(run.stdout).toBe('ran\n');
    expect(run.code).toBe(3);
  });
});

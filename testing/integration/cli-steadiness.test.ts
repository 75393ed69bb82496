// Issue 14, the command side, on the real daemon as real users: follow modes run until Ctrl-C and live
// through a daemon restart; a closed pipe ends a command quietly; --json covers errors; whoami says
// whether you are an admin. Terminal behaviour (watch screens, prompts under NO_COLOR, Ctrl-C at a prompt)
// through a real pseudo-terminal (tmux, 80 columns).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Cast, CLI_JS, editPolicy, startDaemonWithCast, startTestDaemon } from '../harness/daemon.js';
import { loadGpuScenario } from '../harness/fake-gpu.js';
import { cleanupTestUsers, isRoot, runAs, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

/** until(), failing the test with the last value when the condition never held. */
async function waitFor<T>(fn: () => T, ok: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const v = await until(async () => fn(), ok, ms);
  if (!ok(v)) throw new Error(`timed out waiting for ${what}; last: ${String(v).slice(-2000)}`);
  return v;
}

const image = inject('baseImage');
let cast: Cast;

/** The CLI as `user`, left running: its output so far, and its exit. */
interface Running {
  proc: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number>;
}

function spawnCli(user: TestUser, args: string[]): Running {
  const proc = spawn(
    'setpriv',
    [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', process.execPath, CLI_JS, ...args],
    {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: user.home,
        USER: user.name,
        DS01_SOCKET: cast.d.socket,
        NO_COLOR: '1',
      },
      cwd: user.home,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  proc.stdout?.on('data', (b) => {
    out += b;
  });
  proc.stderr?.on('data', (b) => {
    err += b;
  });
  const exit = new Promise<number>((r) => proc.once('exit', (code, sig) => r(code ?? (sig ? 128 : -1))));
  return { proc, out: () => out, err: () => err, exit };
}

/** A container of `user` whose command prints a numbered line every second (made through the API). */
async function ticker(user: TestUser, name: string) {
  const body = JSON.stringify({
    name,
    image,
    gpus: 0,
    command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 1; done'],
  });
  const made = await runAs(user, 'curl', [
    '-s',
    '--unix-socket',
    cast.d.socket,
    '-H',
    'content-type: application/json',
    '-d',
    body,
    'http://ds01/v1/containers',
  ]);
  expect(made.stdout).toMatch(/"created"/);
  const started = await cast.d.cli(['container', 'start', name], user);
  expect(started.code, started.stderr).toBe(0);
}

beforeAll(async () => {
  if (!isRoot()) throw new Error('integration tests run as root (they create real users)');
  cast = await startDaemonWithCast({
    dockerHost: inject('dockerHost'),
    // The ticker must outlive the test: no idle stop, no runtime stop while it runs.
    policyEdits: { 'defaults.idle_timeout': '10m', 'defaults.max_runtime': '30m' },
  });
  await ticker(cast.alice, 'ticker');
}, 120_000);

afterAll(async () => {
  // Every tmux session of this file, the keeper too.
  try {
    execFileSync('tmux', ['-L', server, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // no server left
  }
  await cast?.d.cleanup();
  await cleanupTestUsers();
});

describe('follow modes (bug 1)', () => {
  it('events -f, admin events -f and container-logs -f run past the old 4 s cut, through a daemon restart, until Ctrl-C', async () => {
    const { d, alice, carol } = cast;
    const followers = {
      events: spawnCli(alice, ['events', '--follow']),
      admin: spawnCli(carol, ['admin', 'events', '-f']),
      logs: spawnCli(alice, ['container-logs', 'ticker', '-f']),
    };
    await waitFor(followers.logs.out, (o) => o.includes('tick-2'), 15_000, 'log lines');
    // The old client gave up after ~4 s: every follower must still be there well past that.
    await new Promise((r) => setTimeout(r, 7_000));
    for (const [what, f] of Object.entries(followers))
      expect([what, f.proc.exitCode, f.err()]).toEqual([what, null, '']);

    await d.stop();
    await d.restart();
    for (const [what, f] of Object.entries(followers))
      await waitFor(f.err, (e) => e.includes('reconnected'), 20_000, `${what} to reconnect`);
    for (const f of Object.values(followers)) expect(f.err()).toMatch(/lost the connection to the daemon/);
    // After the restart the feeds carry on: a new event reaches both event followers, new lines the logs.
    const ticksBefore = followers.logs.out().match(/tick-\d+/g)?.length ?? 0;
    const made = await d.cli(['container-create', 'marker', '--image', image, '--cpu-only'], alice);
    expect(made.code, made.stderr).toBe(0);
    for (const f of [followers.events, followers.admin])
      await waitFor(f.out, (o) => /marker/.test(o), 15_000, 'the new event');
    await waitFor(
      () => followers.logs.out().match(/tick-\d+/g)?.length ?? 0,
      (n) => n > ticksBefore + 1,
      15_000,
      'new log lines',
    );
    // No line twice in the events feed across the reconnection.
    const lines = followers.events.out().trim().split('\n');
    expect(new Set(lines).size).toBe(lines.length);

    // (never started: removed now, before the lifecycle warns about it on every later command)
    expect((await d.cli(['container-remove', 'marker', '--yes'], alice)).code).toBe(0);
    for (const f of Object.values(followers)) f.proc.kill('SIGINT');
    for (const [what, f] of Object.entries(followers)) {
      const code = await f.exit;
      expect([what, [0, 130].includes(code)]).toEqual([what, true]);
      expect(f.err()).not.toMatch(/aborted|Error|at .*\.js/);
    }
  }, 120_000);
});

describe('closed pipes (bug 5)', () => {
  it('`ds01-dashboard --watch | head -3`, `container-logs -f | head -1`, `events | head -1` end quietly', async () => {
    const { d, carol, alice } = cast;
    for (const [user, cmd] of [
      [carol, 'dashboard --watch --interval 0.5 | head -3'],
      // (a follower notices the closed pipe at its next write, like `docker logs -f | head -1`)
      [alice, 'container-logs ticker -f | head -1'],
      [alice, 'events --limit 500 | head -1'],
    ] as const) {
      const r = await runAs(user, 'sh', ['-c', `${process.execPath} ${CLI_JS} ${cmd}; echo "rc=$?"`], {
        env: { DS01_SOCKET: d.socket, NO_COLOR: '1' },
        timeout: 20_000,
      });
      expect(r.code, `${cmd}: ${r.stderr}`).toBe(0);
      expect(r.stderr, cmd).toBe('');
      expect(r.stdout.trim().split('\n').length, cmd).toBeGreaterThanOrEqual(2);
    }
  }, 90_000);
});

describe('--json errors, whoami, units', () => {
  it('a failure with --json is {"error":{code,message,hint}} on stdout with the usual exit code', async () => {
    const { d, alice } = cast;
    const r = await d.cli(['container-stop', 'nosuch', '--json'], alice);
    expect(r.code).toBe(4);
    const body = JSON.parse(r.stdout);
    expect(body.error.code).toBe('NOT_FOUND');
    expect(body.error.message).toMatch(/nosuch/);
    const denied = await d.cli(['admin', 'users', '--json'], alice);
    expect(denied.code).toBe(3);
    expect(JSON.parse(denied.stdout).error.code).toMatch(/FORBIDDEN/);
    const usage = await d.cli(['container-logs', 'x', '--tail', 'many', '--json'], alice);
    expect(usage.code).toBe(2);
  });

  it('whoami says whether you are an admin', async () => {
    const { d, alice, carol } = cast;
    expect((await d.cli(['whoami'], alice)).stdout).toMatch(/ds01 admin: no/);
    expect((await d.cli(['whoami'], carol)).stdout).toMatch(/ds01 admin: yes/);
  });

  it('check-limits shows the network threshold as a rate, durations in d/h/m', async () => {
    const { d, alice } = cast;
    const r = await d.cli(['check-limits'], alice);
    expect(r.stdout).toMatch(/network < 1 KiB\/s/);
    expect(r.stdout).not.toMatch(/\d B\/s|\d+\.\d+h/);
  });
});

// ——— through a real terminal ———
const server = `ds01cli${randomBytes(3).toString('hex')}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const screen = (s: string) => tmux('capture-pane', '-p', '-J', '-t', s);

function startTty(session: string, u: TestUser, args: string[], extraEnv: string[] = []) {
  const env = [
    `HOME=${u.home}`,
    `USER=${u.name}`,
    `PATH=${process.env.PATH}`,
    `DS01_SOCKET=${cast.d.socket}`,
    'NO_COLOR=1',
    'TERM=xterm-256color',
    ...extraEnv,
  ];
  const cmd = ['setpriv', `--reuid=${u.uid}`, `--regid=${u.gid}`, '--init-groups', '--', 'env', '-i', ...env]
    .concat([process.execPath, CLI_JS, ...args])
    .map(q)
    .join(' ');
  tmux(
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    '80',
    '-y',
    '24',
    '-c',
    u.home,
    `sh -c ${q(`${cmd}; echo EXIT=$?; sleep 600`)}`,
  );
}

async function waitScreen(session: string, re: RegExp, ms = 30_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const s = screen(session);
    if (re.test(s)) return s;
    if (Date.now() > end) throw new Error(`timed out waiting for ${re}:\n${s}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('on a terminal', () => {
  // One idle session keeps this file's tmux server up: killing a test's last session would make the server
  // exit, and the next test's new-session could reach it while it exits ("server exited unexpectedly").
  beforeAll(() => {
    tmux('new-session', '-d', '-s', 'keep', 'sleep 3600');
  });

  it('container-stats --watch redraws in place, shows how to quit, and q / Ctrl-C restore the terminal', async () => {
    for (const [key, code] of [
      ['q', 0],
      ['C-c', 130],
    ] as const) {
      const s = `stats-${code}`;
      startTty(s, cast.alice, ['container-stats', 'ticker', '--watch']);
      const first = await waitScreen(s, /q or Ctrl-C to quit/);
      await new Promise((r) => setTimeout(r, 3_000)); // several samples
      const later = screen(s);
      // Drawn over, not scrolled: one header, one row, whatever the number of samples.
      expect(later.match(/^NAME\s+CPU/gm)?.length, later).toBe(1);
      expect(later.match(/^ticker\s/gm)?.length, later).toBe(1);
      expect(first).toMatch(/ \/ 256\.0 MiB/); // the unit style: binary units, one decimal
      for (const l of later.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
      tmux('send-keys', '-t', s, key);
      const after = await waitScreen(s, /EXIT=\d+/);
      expect(after).toContain(`EXIT=${code}`);
      // The alternate screen is gone: the table is not left on the terminal.
      expect(after).not.toMatch(/NAME\s+CPU/);
      tmux('kill-session', '-t', s);
    }
  }, 60_000);

  it('prompts under NO_COLOR: [x]/[ ] boxes and a visible cursor; yes/no answers; Ctrl-C exits 130 quietly', async () => {
    const { alice } = cast;
    // The use-case multi-select of image-create (the earlier questions answered by flags).
    startTty('multi', alice, [
      'image-create',
      'mine',
      '--base',
      'busybox',
      '--no-jupyter',
      '--no-datascience',
    ]);
    const picker = await waitScreen('multi', /space to pick/);
    expect(picker).toMatch(/^\s*>\s*\[ \] /m); // the focused line, unticked
    tmux('send-keys', '-t', 'multi', 'Space');
    expect(await waitScreen('multi', /\[x\]/)).toMatch(/>\s*\[x\]/);
    tmux('send-keys', '-t', 'multi', 'C-c');
    const cancelled = await waitScreen('multi', /EXIT=\d+/);
    expect(cancelled).toContain('EXIT=130');
    expect(cancelled).not.toMatch(/ds01:|Error/);
    tmux('kill-session', '-t', 'multi');

    // A confirmation shows the answer as yes/no.
    startTty('confirm', alice, ['container-remove', 'ticker']);
    await waitScreen('confirm', /\(y\/N\)/);
    tmux('send-keys', '-t', 'confirm', 'n');
    const answered = await waitScreen('confirm', /EXIT=\d+/);
    expect(answered).toMatch(/\(y\/N\).*no/);
    expect(answered).not.toMatch(/true|false/);
    tmux('kill-session', '-t', 'confirm');
  }, 60_000);
});

describe('container-open', () => {
  it('a command missing in the container says so and exits 127', async () => {
    const { d, alice } = cast;
    const r = await d.cli(['container-open', 'ticker', '--', 'nosuchcmd', '--flag'], alice);
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({
      code: 127,
      stderr: expect.stringMatching(/nosuchcmd: command not found in the container/),
    });
    expect(r.stderr).not.toMatch(/OCI runtime/);
    const ok = await d.cli(['container-open', 'ticker', '--', 'sh', '-c', 'exit 3'], alice);
    expect(ok.code).toBe(3);
  });
});

describe('image-create and image-update', () => {
  it('-y does not print the whole Dockerfile unless --show; the README path is the one written', async () => {
    const { d, bob } = cast;
    const flags = ['--base', 'busybox', '--no-jupyter', '--no-datascience', '--no-build', '-y'];
    const quiet = await d.cli(['image-create', 'quiet', ...flags], bob);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toMatch(/^FROM /m);
    // No project folder: ~/dockerfiles/NAME.Dockerfile, as the README says.
    expect(quiet.stderr).toContain(`wrote ${bob.home}/dockerfiles/quiet.Dockerfile`);
    const shown = await d.cli(['image-create', 'quiet', ...flags, '--show', '--force'], bob);
    expect(shown.stderr).toMatch(/^FROM /m);
  });

  it('image-update --rebuild does not ask again, and the build log hides the internal ARG/LABEL steps', async () => {
    const { bob } = cast;
    startTty('rebuild', bob, ['image-update', 'quiet', '--rebuild']);
    const done = await waitScreen('rebuild', /EXIT=\d+/, 180_000);
    expect(done).not.toMatch(/Rebuild quiet\?/);
    expect(done).toMatch(/building /);
    expect(done).toMatch(/\[\d+\/\d+\] (FROM|RUN)/);
    expect(done).not.toMatch(/\[\d+\/\d+\] (ARG|LABEL)/);
    expect(done).toContain('EXIT=0');
    tmux('kill-session', '-t', 'rebuild');
  }, 200_000);
});

describe('container-list and the queue', () => {
  it('a queued deploy shows as `queued (#1, …)` beside the containers', async () => {
    const { alice, bob } = cast;
    // A server with ONE 1g.10gb slot: bob holds it, alice's deploy must wait.
    const s = loadGpuScenario('a100-mig-mixed') as { gpus: { migDevices?: { profile: string }[] }[] };
    const gpu0 = {
      ...(s.gpus[0] as object),
      migDevices: s.gpus[0]?.migDevices?.filter((m) => m.profile === '1g.10gb').slice(0, 1),
      processes: [],
    };
    const d = await startTestDaemon({ dockerHost: inject('dockerHost'), scenario: { ...s, gpus: [gpu0] } });
    try {
      editPolicy(d.policyPath, { 'defaults.idle_timeout': '10m' });
      expect((await d.cli(['config', 'reload'])).code).toBe(0);
      const flags = ['--image', image, '--mig', '1g.10gb', '--background'];
      const first = await d.cli(['container-deploy', 'holder', ...flags], bob);
      expect(first.code, first.stderr).toBe(0);
      const queued = await d.cli(['container-deploy', 'waiter', ...flags, '--queue'], alice);
      expect(queued.code, queued.stderr).toBe(0);
      const list = await d.cli(['container-list'], alice);
      expect(list.stdout).toMatch(/^waiter\s+queued \(#1, [^)]+\)\s+ds01-test\/busybox/m);
      // Only one's own: bob's list does not show alice's waiting deploy.
      expect((await d.cli(['container-list'], bob)).stdout).not.toMatch(/waiter/);
    } finally {
      await d.cleanup();
    }
  }, 60_000);
});

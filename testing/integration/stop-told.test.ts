// Issue 14, bugs 4 and 9, in a real terminal (tmux) with real users: an admin's stop or retire, and
// ds01d's own stop at max_runtime, are never silent for the student whose shell is attached. The shell's
// last line says who stopped it and why; a notice is recorded; container-why and container-list say it;
// after a retire the name says what became of it; after a max-runtime stop the advice is container-extend.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Notice } from '../../daemon/api/types/index.js';
import { CLI_JS, editPolicy, startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { execFileResult, execFileText } from '../harness/exec.js';
import { cleanupTestUsers, isRoot, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

const image = inject('baseImage');
let d: TestDaemon;
let alice: TestUser;
let carol: TestUser; // admin
const server = `ds01told${process.pid}`;
const exitFiles = new Set<string>(); // removed in afterAll: every run left three files in /tmp

const tmux = (...args: string[]) => execFileText('tmux', ['-L', server, ...args]);

/** container-open NAME as alice in its own tmux window; its exit code lands in a file. */
async function openShell(name: string): Promise<{ screen: () => Promise<string>; exitFile: string }> {
  const exitFile = `/tmp/${server}-${name}.exit`;
  rmSync(exitFile, { force: true });
  exitFiles.add(exitFile);
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
    name,
  ].join(' ');
  await tmux(
    'new-session',
    '-d',
    '-s',
    name,
    '-x',
    '120',
    '-y',
    '30',
    `${cli}; echo $? > ${exitFile}; sleep 60`,
  );
  const screen = () => tmux('capture-pane', '-p', '-J', '-t', name);
  await until(screen, (s) => /\/workspace \$\s*$/m.test(s));
  return { screen, exitFile };
}

async function deploy(name: string) {
  const r = await d.cli(['container-deploy', name, '--image', image, '--cpu-only', '--background'], alice);
  expect(r.code, r.stderr).toBe(0);
}

const notices = async (): Promise<Notice[]> =>
  JSON.parse((await d.cli(['notices', '--all', '--json'], alice)).stdout) as Notice[];

describe.skipIf(!isRoot())('stops are never silent for the student (tmux)', () => {
  beforeAll(async () => {
    ({ d, alice, carol } = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      policyEdits: { 'defaults.idle_timeout': '1h', 'defaults.max_runtime': '1h' },
    }));
  });
  afterAll(async () => {
    await execFileResult('tmux', ['-L', server, 'kill-server']);
    for (const name of exitFiles) rmSync(name, { force: true });
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('admin stop: the shell’s last line, a notice, container-why and container-list all say who and why', async () => {
    await deploy('thesis');
    const sh = await openShell('thesis');
    const r = await d.cli(['admin', 'stop', 'thesis', '--reason', 'GPU maintenance at 3pm'], carol);
    expect(r.code, r.stderr).toBe(0);
    const s = await until(sh.screen, (x) => /stopped by admin/.test(x));
    expect(s).toContain(`ds01: thesis was stopped by admin ${carol.name}: GPU maintenance at 3pm.`);
    const code = await until(
      async () => (existsSync(sh.exitFile) ? readFileSync(sh.exitFile, 'utf8').trim() : ''),
      (x) => x !== '',
    );
    expect(code).toMatch(/^\d+$/);
    expect(code).not.toBe('0');

    expect((await notices()).map((n) => n.message)).toContainEqual(
      expect.stringContaining(`stopped by admin ${carol.name}: GPU maintenance at 3pm`),
    );
    const why = await d.cli(['container-why', 'thesis'], alice);
    expect(why.code, why.stderr).toBe(0);
    expect(why.stdout).toMatch(
      new RegExp(`Stopped .* by ${carol.name}: by admin ${carol.name}: GPU maintenance at 3pm`),
    );
    const list = await d.cli(['container-list'], alice);
    expect(list.stderr).toContain(`thesis was stopped by admin ${carol.name}: GPU maintenance at 3pm`);
  });

  it('admin retire: the shell says so, a notice is kept, and the name says what became of it', async () => {
    await deploy('paper');
    const sh = await openShell('paper');
    const r = await d.cli(['admin', 'retire', 'paper', '--reason', 'left over from last term'], carol);
    expect(r.code, r.stderr).toBe(0);
    const s = await until(sh.screen, (x) => /retired by admin/.test(x));
    expect(s).toContain(`ds01: paper was retired by admin ${carol.name}: left over from last term.`);
    expect((await notices()).map((n) => n.message)).toContainEqual(
      expect.stringContaining(`retired by admin ${carol.name}: left over from last term`),
    );
    const why = await d.cli(['container-why', 'paper'], alice);
    expect(why.code).toBe(4);
    expect(why.stderr).toMatch(
      new RegExp(`paper was retired by admin ${carol.name}: left over from last term`),
    );
    expect(why.stderr).toContain('container-deploy paper');
  });

  it('the notice rides on the next command’s own answer: printed once, first, on stderr, then marked shown', async () => {
    await deploy('notes');
    const r = await d.cli(['admin', 'stop', 'notes', '--reason', 'disk check'], carol);
    expect(r.code, r.stderr).toBe(0);
    // Each caller gets their own notices only: the admin who stopped it is not told alice's.
    const admin = await d.cli(['gpu', 'list'], carol);
    expect(admin.stderr).not.toContain('disk check');
    const list = await d.cli(['container-list', '--json'], alice);
    expect(list.code, list.stderr).toBe(0);
    const told = list.stderr.split('\n').filter((l) => l.startsWith('notice:'));
    expect(told).toEqual([expect.stringContaining(`notes was stopped by admin ${carol.name}: disk check`)]);
    expect(JSON.parse(list.stdout).some((c: { name: string }) => c.name === 'notes')).toBe(true);
    const again = await d.cli(['gpu', 'list'], alice);
    expect(again.stderr).not.toContain('notice:');
    const mine = (await notices()).find((n) => n.message.includes('disk check'));
    expect(mine?.shown).toBe(true);
  });

  it('max_runtime while a shell is attached: the last line advises container-extend', async () => {
    editPolicy(d.policyPath, { 'defaults.max_runtime': '25s', 'policies.warning_points': ['5s'] });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
    await deploy('longrun');
    const sh = await openShell('longrun');
    const s = await until(
      sh.screen,
      (x) => /container-extend longrun/.test(x) && /max runtime/.test(x),
      60_000,
    );
    expect(s).toMatch(/ds01: your container longrun was stopped: max runtime 25s reached/);
    expect(s).toContain('container-extend longrun');
    const list = await d.cli(['container-list'], alice);
    expect(list.stderr).toMatch(/longrun was stopped by ds01d: max runtime 25s reached/);
  }, 90_000);
});

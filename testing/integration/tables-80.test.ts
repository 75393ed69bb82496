// Every table of every command fits an 80-column terminal (issue 14, "steadiness"): the demo's server
// (shipped policy, simulated 4× A100 with two GPUs in MIG mode, a student's project deployed), each
// command run in a real 80×24 pseudo-terminal (tmux) as the student and as an admin. tmux joins wrapped
// lines on capture (-J), so a line that wrapped shows up longer than 80 characters.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLI_JS, REPO, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { cleanupTestUsers, createTestUser, isRoot, type TestUser } from '../harness/users.js';

const image = inject('baseImage');
const server = `ds01w${randomBytes(3).toString('hex')}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
let d: TestDaemon;
let student: TestUser;
let jobId = '';

const STUDENT = (project: string, jobId: string) => [
  ['whoami'],
  ['check-limits'],
  ['gpu', 'list'],
  ['gpu-avail'],
  ['gpu-queue'],
  ['container-list'],
  ['container-stats', project],
  ['container-why', project],
  ['image-list'],
  ['events', '--limit', '30'],
  ['notices', '--all'],
  ['usage'],
  ['usage', '--jobs'],
  ['status'],
  ['job', 'list'],
  ['job', 'show', jobId],
  ['book', 'list', '--all'],
  ['gpu-avail', '--at', 'tomorrow 10:00'],
  ['quota'],
];
const ADMIN = (user: string) => [
  ['dashboard'],
  ['admin', 'containers'],
  ['admin', 'users'],
  ['admin', 'users', '--inactive', '1d'],
  ['admin', 'events', '--limit', '30'],
  ['admin', 'sweep', '--dry-run', '--all'],
  ['admin', 'doctor'],
  ['admin', 'mig', 'plan'],
  ['admin', 'mig', 'status'],
  ['container-list', '--all'],
  ['image-list', '--all'],
  ['gpu', 'list'],
  ['gpu-avail'],
  ['gpu-queue'],
  ['gpu', 'test', '3', '--image', image],
  ['usage', '--by', 'group'],
  ['usage', '--jobs'],
  ['admin', 'report', '--month', new Date().toISOString().slice(0, 7)],
  ['check-limits', user],
  ['config', 'explain', user],
  ['quota', '--all'],
  ['quota', '--user', user],
  ['job', 'list'],
  ['book', 'list', '--all'],
];

/** Run commands one after another in an 80×24 terminal as `u` (root when undefined); the whole transcript. */
async function transcript(session: string, u: TestUser | undefined, cmds: string[][]): Promise<string> {
  const env = [
    `HOME=${u?.home ?? '/root'}`,
    `USER=${u?.name ?? 'root'}`,
    `PATH=${process.env.PATH}`,
    `DS01_SOCKET=${d.socket}`,
    'TERM=xterm-256color',
    'NO_COLOR=1',
  ];
  const script = cmds
    .map(
      (c) =>
        `echo ${q(`=== ${c.join(' ')}`)}; ${[process.execPath, CLI_JS, ...c].map(q).join(' ')} </dev/null`,
    )
    .concat('echo ALL-DONE')
    .join('; ');
  const as = u ? ['setpriv', `--reuid=${u.uid}`, `--regid=${u.gid}`, '--init-groups', '--'] : [];
  const cmd = [...as, 'env', '-i', ...env, 'sh', '-c', script].map(q).join(' ');
  tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', `sh -c ${q(`${cmd}; sleep 600`)}`);
  const end = Date.now() + 120_000;
  for (;;) {
    const s = tmux('capture-pane', '-p', '-J', '-S', '-', '-t', session);
    if (/^ALL-DONE$/m.test(s)) return s;
    if (Date.now() > end) throw new Error(`the commands did not finish:\n${s}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Lines over 80 columns, each with the command that printed it. */
function tooWide(text: string): string[] {
  let cmd = '';
  const bad: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('=== ')) cmd = line.slice(4);
    else if ([...line].length > 80) bad.push(`${cmd}: ${line}`);
  }
  return bad;
}

beforeAll(async () => {
  if (!isRoot()) throw new Error('integration tests run as root (they create real users)');
  // A long history, so the whole transcript can be read back.
  tmux('start-server', ';', 'set-option', '-g', 'history-limit', '100000');
  d = await startTestDaemon({
    dockerHost: inject('dockerHost'),
    policy: join(REPO, 'config/resource-limits.yaml'),
    scenario: 'a100-mig-mixed',
  });
  student = await createTestUser({ prefix: 'student' });
  const r = await d.cli(
    ['container-deploy', 'thesis', '--image', image, '--mig', '1g.10gb', '--background'],
    student,
  );
  expect(r.code, r.stderr).toBe(0);
  // A batch job beside it, so the job tables have a row.
  const job = await d.cli(
    [
      'job',
      'submit',
      '--image',
      image,
      '--cpu-only',
      '--name',
      'a-long-training-run',
      '--json',
      '--',
      'sleep',
      '120',
    ],
    student,
  );
  expect(job.code, job.stderr).toBe(0);
  jobId = String(JSON.parse(job.stdout).id);
  // A booking, so the booking tables have a row.
  const book = await d.cli(
    ['book', '--mig', '3g.40gb', '--from', 'tomorrow 09:00', '--for', '2h', '--note', 'thesis experiments'],
    student,
  );
  expect(book.code, book.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  try {
    execFileSync('tmux', ['-L', server, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // no server left
  }
  await d?.cleanup();
  await cleanupTestUsers();
});

describe('80 columns', () => {
  it("every table of a student's commands fits without wrapping", async () => {
    const out = await transcript('student', student, STUDENT('thesis', jobId));
    expect(out).toMatch(/thesis\s+running/); // the commands really ran and printed their tables
    expect(out).toMatch(/MIG-[0-9a-f]{8}…/); // GPU ids shortened on a terminal
    expect(tooWide(out), out).toEqual([]);
  }, 180_000);

  it("every table of an admin's commands fits without wrapping", async () => {
    const out = await transcript('admin', undefined, ADMIN(student.name));
    expect(out).toMatch(/thesis/);
    expect(tooWide(out), out).toEqual([]);
  }, 180_000);

  it('--wide and pipes keep the full GPU ids', async () => {
    const wide = await transcript('wide', student, [['gpu', 'list', '--wide']]);
    expect(wide).toMatch(/MIG-[0-9a-f]{8}-[0-9a-f]{4}-/);
    const piped = await d.cli(['gpu', 'list'], student);
    expect(piped.stdout).toMatch(/MIG-[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(piped.stdout).not.toContain('…');
  }, 60_000);
});

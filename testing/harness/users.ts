// Throwaway Linux users and groups for tests that must exercise real peer credentials. Only as root;
// every user and group made here is removed by `cleanupTestUsers()` (and on process exit).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type ExecResult, execFileResult, execFileText } from './exec.js';

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

const madeUsers = new Set<string>();
const madeGroups = new Set<string>();

export const isRoot = () => process.getuid?.() === 0;

// Every account of one test run shares a two-hex-digit run tag (set once by the integration global
// setup and inherited by its workers), so a run's leftover sweep never touches the accounts of another
// run going on beside it on the same machine.
const RUN_TAG: string = process.env.DS01_TEST_RUN_TAG ?? randomBytes(1).toString('hex');
process.env.DS01_TEST_RUN_TAG = RUN_TAG;

function shortId() {
  return `${RUN_TAG}${randomBytes(2).toString('hex')}`;
}

export async function createTestGroup(prefix = 'ds01g'): Promise<string> {
  const name = `${prefix}${shortId()}`;
  await execFileText('groupadd', [name]);
  madeGroups.add(name);
  return name;
}

export async function createTestUser(opts: { prefix?: string; groups?: string[] } = {}): Promise<TestUser> {
  const name = `${opts.prefix ?? 'ds01t'}${shortId()}`;
  const args = ['--create-home', '--user-group', '--shell', '/bin/sh'];
  if (opts.groups?.length) args.push('--groups', opts.groups.join(','));
  await execFileText('useradd', [...args, name]);
  madeUsers.add(name);
  const [, , uid, gid, , home] = (await execFileText('getent', ['passwd', name])).trim().split(':');
  return { name, uid: Number(uid), gid: Number(gid), home: home ?? `/home/${name}` };
}

export async function addToGroup(user: string, group: string) {
  await execFileText('usermod', ['--append', '--groups', group, user]);
}

/** Run a program as the user (real uid/gid and supplementary groups), with a login-like environment. */
export function runAs(
  user: TestUser,
  file: string,
  args: string[],
  opts: { env?: Record<string, string>; input?: string; cwd?: string; timeout?: number } = {},
): Promise<ExecResult> {
  const env = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: user.home,
    USER: user.name,
    LOGNAME: user.name,
    ...opts.env,
  };
  return execFileResult(
    'setpriv',
    [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', file, ...args],
    { env, input: opts.input, cwd: opts.cwd ?? user.home, timeout: opts.timeout ?? 60_000 },
  );
}

export async function removeTestUser(name: string) {
  // Kill anything left running as the user first, or userdel refuses.
  await execFileResult('pkill', ['-KILL', '-u', name]);
  await execFileResult('userdel', ['--remove', '--force', name]);
  await execFileResult('groupdel', [name]); // the user-group, if userdel left it
  madeUsers.delete(name);
}

/** Names this harness makes: a short prefix and six hex digits (ds01t1a2b3c, ds01adm4d5e6f, student…). */
export const TEST_ACCOUNT = /^(ds01[a-z]{0,4}|student)[0-9a-f]{6}$/;

/**
 * Safety net for the end of a run: a worker that died (or a test that forgot its afterAll) must not
 * leave accounts on the machine. Only names of the harness's own pattern are touched.
 */
export async function removeLeftoverTestAccounts(): Promise<string[]> {
  const ours = (n: string) => TEST_ACCOUNT.test(n) && n.slice(-6, -4) === RUN_TAG;
  const removed: string[] = [];
  const users = (await execFileResult('getent', ['passwd'])).stdout
    .split('\n')
    .map((l) => l.split(':')[0] ?? '');
  for (const u of users.filter(ours)) {
    await removeTestUser(u);
    removed.push(u);
  }
  const groups = (await execFileResult('getent', ['group'])).stdout
    .split('\n')
    .map((l) => l.split(':')[0] ?? '');
  for (const g of groups.filter(ours)) {
    await execFileResult('groupdel', [g]);
    removed.push(g);
  }
  return removed;
}

export async function cleanupTestUsers() {
  for (const u of [...madeUsers]) await removeTestUser(u);
  for (const g of [...madeGroups]) {
    await execFileResult('groupdel', [g]);
    madeGroups.delete(g);
  }
}

process.on('exit', () => {
  for (const u of madeUsers) {
    try {
      execFileSync('userdel', ['--remove', '--force', u], { stdio: 'ignore' });
    } catch {
      // best effort
    }
  }
  for (const g of madeGroups) {
    try {
      execFileSync('groupdel', [g], { stdio: 'ignore' });
    } catch {
      // best effort
    }
  }
});

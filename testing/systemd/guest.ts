// A booted Debian guest with systemd as PID 1 (systemd-nspawn), for testing the shipped units for real.
// The root file system is the cached debootstrap tree (rootfs.sh); each boot writes to its own overlay in a
// temp dir that shutdown() removes. Commands run inside through nsenter into the guest's namespaces.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ExecResult, execFileResult, execFileText } from '../harness/exec.js';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = join(here, '../..');

export interface Guest {
  /** The guest's PID 1 (systemd), as the host sees it. */
  pid: number;
  work: string;
  /** bash -c SCRIPT inside the guest as root (stdin from `input`). */
  sh(script: string, opts?: { input?: string; timeout?: number }): Promise<ExecResult>;
  /** Like sh, but throws with the output when the script fails. */
  ok(script: string, opts?: { timeout?: number }): Promise<string>;
  console(): string;
  shutdown(): Promise<void>;
}

/** Why this machine cannot boot a guest (missing tools, not root), or null when it can. */
export function cannotBoot(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  for (const tool of ['systemd-nspawn', 'debootstrap', 'unshare', 'nsenter'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      return `${tool} missing (scripts/ensure-deps.sh installs it)`;
  return null;
}

/** The cached root file system, built first when the recipe changed (a minute or two, once). */
export async function rootfs(): Promise<string> {
  return (await execFileText('bash', [join(here, 'rootfs.sh')], { timeout: 15 * 60_000 })).trim();
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

const exited = (p: ChildProcess) => p.exitCode !== null || p.signalCode !== null;

export async function bootGuest(root: string): Promise<Guest> {
  const work = mkdtempSync(join(tmpdir(), 'ds01-guest-'));
  const logPath = join(work, 'console.log');
  const log = openSync(logPath, 'a');
  // unshare execs bash, which execs nspawn: the child's pid is nspawn's, and the guest's PID 1 its child.
  const nspawn = spawn(
    'unshare',
    ['--mount', '--propagation', 'private', 'bash', join(here, 'boot-guest.sh'), root, work, REPO],
    { stdio: ['ignore', log, log] },
  );
  const consoleText = () => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  const shutdown = async () => {
    if (!exited(nspawn)) {
      // nspawn turns SIGTERM into an orderly poweroff of the guest (SIGRTMIN+3 to its PID 1).
      nspawn.kill('SIGTERM');
      const gone = new Promise((r) => nspawn.once('exit', r));
      const late = setTimeout(() => nspawn.kill('SIGKILL'), 30_000);
      await gone;
      clearTimeout(late);
    }
    // The overlay and cgroup mounts lived in nspawn's private mount namespace and went with it.
    rmSync(work, { recursive: true, force: true, maxRetries: 3 });
  };
  let pid = 0;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited(nspawn) || Date.now() > deadline) {
      const text = consoleText();
      await shutdown();
      throw new Error(`the guest did not boot:\n${text.slice(-3000)}`);
    }
    pid = pid || (childrenOf(nspawn.pid ?? 0)[0] ?? 0);
    if (pid) {
      const r = await execFileResult('nsenter', [
        '-t',
        String(pid),
        '-a',
        '--',
        'systemctl',
        'is-system-running',
      ]);
      if (/^(running|degraded)/.test(r.stdout)) break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const sh = (script: string, opts: { input?: string; timeout?: number } = {}) =>
    execFileResult('nsenter', ['-t', String(pid), '-a', '--', '/bin/bash', '-c', script], {
      input: opts.input,
      timeout: opts.timeout ?? 120_000,
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
    });
  return {
    pid,
    work,
    sh,
    async ok(script, opts) {
      const r = await sh(script, opts);
      if (r.code !== 0) throw new Error(`guest: ${script}\nexit ${r.code}\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    },
    console: consoleText,
    shutdown,
  };
}

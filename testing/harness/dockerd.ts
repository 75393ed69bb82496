// A private, real dockerd for integration tests: its own data-root, exec-root, socket and pidfile in a
// temp dir, a stub NVIDIA runtime hook on its PATH, never the machine's default Docker. `stop()` leaves
// no process, mount or directory behind.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountOrphanedCgroupControllers } from './cgroup-mounts.js';
import { execFileText } from './exec.js';

export interface PrivateDockerd {
  /** `unix:///…/docker.sock`, for DOCKER_HOST or ds01d's --docker-host. */
  host: string;
  socketPath: string;
  root: string;
  /** The directory on dockerd's PATH holding the stub NVIDIA hook (for `DS01_NVIDIA_HOOK_PATH`). */
  bin: string;
  pid: number;
  logPath: string;
  stop(): Promise<void>;
  /** Stop dockerd (SIGTERM: it stops its containers, like a package upgrade) and start it again on the same root. */
  restart(): Promise<void>;
}

// runc runs this as the OCI prestart hook for every container with an nvidia DeviceRequest. The real
// hook would inject /dev/nvidia* for the ids in NVIDIA_VISIBLE_DEVICES; the stub reads the container
// state from stdin and accepts. Its presence on PATH is what makes dockerd register the `nvidia` driver.
const STUB_HOOK = `#!/bin/sh
# ds01 test stub for nvidia-container-runtime-hook: accept every prestart.
cat >/dev/null
exit 0
`;

export async function startPrivateDockerd(opts: { timeoutMs?: number } = {}): Promise<PrivateDockerd> {
  mountOrphanedCgroupControllers();
  const root = mkdtempSync(join(tmpdir(), 'ds01-dockerd-'));
  const bin = join(root, 'bin');
  mkdirSync(bin);
  const hook = join(bin, 'nvidia-container-runtime-hook');
  writeFileSync(hook, STUB_HOOK);
  chmodSync(hook, 0o755);
  const socketPath = join(root, 'docker.sock');
  const logPath = join(root, 'dockerd.log');
  const configFile = join(root, 'daemon.json');
  writeFileSync(configFile, '{}\n');
  const log = openSync(logPath, 'a');
  const args = [
    `--data-root=${join(root, 'data')}`,
    `--exec-root=${join(root, 'exec')}`,
    `--host=unix://${socketPath}`,
    `--pidfile=${join(root, 'dockerd.pid')}`,
    // Never touch the host's firewall or bridges: containers get no outside network (none is reachable
    // here anyway); the daemon's code path is the same.
    '--iptables=false',
    '--ip6tables=false',
    '--bridge=none',
    // An empty config so the machine's /etc/docker/daemon.json cannot change the test daemon.
    `--config-file=${configFile}`,
  ];
  let pid = 0;
  const stop = () => stopDockerd(root, pid);
  const launch = async () => {
    const child: ChildProcess = spawn('dockerd', args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` },
    });
    if (child.pid === undefined) throw new Error('dockerd did not start (is docker.io installed?)');
    pid = child.pid;
    child.unref();
    let exited = false;
    child.on('exit', () => {
      exited = true;
    });
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    while (!(await ping(socketPath))) {
      if (exited || Date.now() > deadline) {
        const tail = readFileSync(logPath, 'utf8').split('\n').slice(-15).join('\n');
        await stop();
        throw new Error(`private dockerd did not answer (${exited ? 'exited' : 'timed out'}):\n${tail}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  await launch();
  const restart = async () => {
    process.kill(pid, 'SIGTERM');
    if (!(await waitGone(pid, 30_000))) process.kill(pid, 'SIGKILL');
    await launch();
  };
  return {
    host: `unix://${socketPath}`,
    socketPath,
    root,
    bin,
    get pid() {
      return pid;
    },
    logPath,
    stop,
    restart,
  };
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (!existsSync(socketPath)) return resolve(false);
    const req = http.get({ socketPath, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** Processes whose command line mentions our root: containerd, shims, stragglers. */
function processesUnder(root: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes(root)) out.push(Number(entry));
    } catch {
      // raced with exit
    }
  }
  return out.filter((p) => p !== process.pid);
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Mount points at or below `root`, deepest first. */
export function mountsUnder(root: string): string[] {
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const points = lines
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => p !== undefined && (p === root || p.startsWith(`${root}/`)));
  return points.sort((a, b) => b.length - a.length);
}

async function stopDockerd(root: string, pid: number): Promise<void> {
  if (alive(pid)) {
    process.kill(pid, 'SIGTERM');
    // dockerd stops its containers (10 s default grace) and its containerd before exiting.
    if (!(await waitGone(pid, 30_000))) process.kill(pid, 'SIGKILL');
  }
  for (const p of processesUnder(root)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const p of processesUnder(root)) await waitGone(p, 5000);
  for (const m of mountsUnder(root)) {
    await execFileText('umount', ['-l', m]).catch(() => undefined);
  }
  rmSync(root, { recursive: true, force: true, maxRetries: 3 });
}

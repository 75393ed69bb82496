// Runs the real ds01d (the built dist/, as a separate process) against the private dockerd, a fake
// nvidia-smi and a temp state dir; and runs the real CLI, as a real user when asked.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { parseDocument } from 'yaml';
import { LabelSigner, loadOrCreateLabelKey, SIGNATURE_LABEL } from '../../daemon/docker/label-signature.js';
import { mountOrphanedCgroupControllers } from './cgroup-mounts.js';
import { type ExecResult, execFileResult } from './exec.js';
import { installFakeNvidiaSmi, type ScenarioInput } from './fake-gpu.js';
import { addToGroup, createTestGroup, createTestUser, runAs, type TestUser } from './users.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DAEMON_JS = join(REPO, 'dist/daemon/main.js');
export const CLI_JS = join(REPO, 'dist/commands/bin/ds01.js');
export const FIXTURES = join(REPO, 'testing/fixtures');

export interface DaemonOptions {
  dockerHost: string;
  policy?: string; // path of a policy file to copy in (default: the fast test policy)
  /** editPolicy() on the daemon's copy of the policy before it starts (e.g. long timeouts for a bench). */
  policyEdits?: Record<string, unknown>;
  scenario?: ScenarioInput; // fake nvidia-smi scenario (default a100-mig-mixed)
  /** Node's own options for ds01d (before its script), e.g. --cpu-prof, which NODE_OPTIONS refuses. */
  nodeArgs?: string[];
  extraArgs?: string[];
  env?: Record<string, string>;
  /**
   * Run ds01d in a mount namespace of its own, as ds01d.service's sandbox does (ProtectSystem=strict &
   * co.): its workspace helper then runs where production's does, through nsenter in dockerd's namespace.
   */
  ownMountNamespace?: boolean;
  /** Another build's dist/daemon/main.js (a bench's baseline); default this checkout's. */
  daemonJs?: string;
}

export interface TestDaemon {
  dir: string;
  socket: string;
  /** The web dashboard's socket. */
  webSocket: string;
  stateDir: string;
  policyPath: string;
  dbPath: string;
  gpu: ReturnType<typeof installFakeNvidiaSmi>;
  proc: ChildProcess;
  logs(): string;
  /** Start again on the same state (after stop or kill). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  kill9(): Promise<void>;
  cleanup(): Promise<void>;
  /** The CLI as root (or as `user`), with DS01_SOCKET pointing here. */
  cli(
    args: string[],
    user?: TestUser,
    opts?: { env?: Record<string, string>; input?: string; timeout?: number },
  ): Promise<ExecResult>;
  /**
   * `labels` plus the daemon's signature for a container named `dockerName`: what ds01 itself would
   * have written (a container ds01 created whose store row was lost). Unsigned ones are never adopted.
   */
  signed(labels: Record<string, string>, dockerName: string): Record<string, string>;
  /** Raw HTTP on the socket as root; for API-level tests. */
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any }>;
}

/**
 * Test files share one private dockerd, and a daemon adopts every ds01-labelled container it finds. So the
 * first daemon of a file starts from a dockerd without ds01 containers, and the last one leaves none.
 */
let runningDaemons = 0;

/** A user's own image (`ds01-<uid>/NAME:TAG`), not the harness's `ds01-test/…` base. */
const USER_IMAGE_TAG = /^ds01-\d+\//;

async function purgeManagedContainers(dockerHost: string): Promise<void> {
  const docker = new Docker({ socketPath: dockerHost.replace(/^unix:\/\//, '') });
  const list = await docker.listContainers({ all: true, filters: { label: ['ds01.owner.uid'] } });
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  // Test accounts are removed after each file and the next file's accounts reuse their uids, so an
  // image one file built for uid 1094 would belong to another file's user of that uid: remove them.
  const tags = (await docker.listImages())
    .flatMap((i) => i.RepoTags ?? [])
    .filter((t) => USER_IMAGE_TAG.test(t));
  for (const t of tags)
    await docker
      .getImage(t)
      .remove({ force: true })
      .catch(() => undefined);
}

export async function startTestDaemon(opts: DaemonOptions): Promise<TestDaemon> {
  if (!existsSync(DAEMON_JS)) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  // Another test file (the systemd one) may have created v1 hierarchies since dockerd started.
  mountOrphanedCgroupControllers();
  if (runningDaemons === 0) await purgeManagedContainers(opts.dockerHost);
  runningDaemons++;
  const dir = mkdtempSync(join(tmpdir(), 'ds01-daemon-'));
  // Users run the CLI against this socket: the directory must be traversable by them.
  chmodSync(dir, 0o755);
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir, { mode: 0o700 });
  const socket = join(dir, 'ds01.sock');
  const policyPath = join(dir, 'resource-limits.yaml');
  copyFileSync(opts.policy ?? join(FIXTURES, 'policies/test-fast.yaml'), policyPath);
  if (opts.policyEdits) editPolicy(policyPath, opts.policyEdits);
  const gpuDir = join(dir, 'gpu');
  mkdirSync(gpuDir);
  const gpu = installFakeNvidiaSmi(gpuDir, opts.scenario ?? 'a100-mig-mixed');
  // The scenarios' PIDs are made up: an empty proc root makes them "ended", so a real process that happens
  // to have one is never taken for a GPU user. Tests of process attribution pass DS01_PROC_ROOT=/proc.
  const procRoot = join(dir, 'proc');
  mkdirSync(procRoot);
  // The kernel log the daemon reads Xid errors from: an empty file tests append to (never the host's).
  const kernelLog = join(dir, 'kern.log');
  writeFileSync(kernelLog, '');
  let out = '';
  let proc!: ChildProcess;

  const launch = async () => {
    // unshare execs node: the child's pid is still ds01d's.
    const program = opts.ownMountNamespace
      ? ['unshare', '--mount', '--propagation', 'slave', '--', process.execPath]
      : [process.execPath];
    proc = spawn(
      program[0] as string,
      [
        ...program.slice(1),
        ...(opts.nodeArgs ?? []),
        opts.daemonJs ?? DAEMON_JS,
        `--socket=${socket}`,
        `--web-socket=${join(dir, 'web.sock')}`,
        `--state-dir=${stateDir}`,
        `--policy=${policyPath}`,
        `--docker-host=${opts.dockerHost}`,
        `--nvidia-smi=${gpu.binPath}`,
        '--log-level=debug',
        ...(opts.extraArgs ?? []),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          DS01_CONFIG: '',
          DS01_PROC_ROOT: procRoot,
          DS01_KERNEL_LOG: kernelLog,
          ...opts.env,
        },
      },
    );
    proc.stdout?.on('data', (d) => {
      out += d;
    });
    proc.stderr?.on('data', (d) => {
      out += d;
    });
    const deadline = Date.now() + 30_000;
    while (!(await ready(socket))) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        throw new Error(`ds01d did not become ready (exit ${proc.exitCode}):\n${out.slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const waitExit = (p: ChildProcess) =>
    p.exitCode !== null || p.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => p.once('exit', () => r()));

  const d: TestDaemon = {
    dir,
    socket,
    webSocket: join(dir, 'web.sock'),
    stateDir,
    policyPath,
    dbPath: join(stateDir, 'ds01.db'),
    gpu,
    get proc() {
      return proc;
    },
    logs: () => out,
    restart: launch,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await waitExit(proc);
      }
    },
    async kill9() {
      proc.kill('SIGKILL');
      await waitExit(proc);
    },
    async cleanup() {
      await d.stop();
      // A workspace left bind-mounted in the state dir (a daemon killed mid-start) must come off first:
      // removing the dir would otherwise delete the user's files through the mount.
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
      runningDaemons--;
      if (runningDaemons === 0) await purgeManagedContainers(opts.dockerHost);
    },
    cli(args, user, o = {}) {
      const env = { DS01_SOCKET: socket, NO_COLOR: '1', ...o.env };
      if (user)
        return runAs(user, process.execPath, [CLI_JS, ...args], { env, input: o.input, timeout: o.timeout });
      return execFileResult(process.execPath, [CLI_JS, ...args], {
        env: { ...process.env, ...env },
        input: o.input,
        timeout: o.timeout ?? 60_000,
      });
    },
    request: (method, path, body, headers) => request(socket, method, path, body, headers),
    signed(labels, dockerName) {
      const signer = new LabelSigner(loadOrCreateLabelKey(stateDir));
      return { ...labels, [SIGNATURE_LABEL]: signer.sign(labels, dockerName) };
    },
  };
  try {
    await launch();
  } catch (err) {
    // A daemon that never came up (a test may expect that) leaves nothing behind.
    await d.cleanup();
    throw err;
  }
  return d;
}

function unmountUnder(dir: string): void {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) spawnSync('umount', ['-l', p]);
}

function ready(socket: string): Promise<boolean> {
  return request(socket, 'GET', '/v1/system/health').then(
    (r) => r.status === 200,
    () => false,
  );
}

export function request(
  socket: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  return new Promise((resolvePromise, reject) => {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(
      {
        socketPath: socket,
        method,
        path,
        headers: {
          ...(text ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } : {}),
          ...headers,
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = raw;
          try {
            parsed = raw ? JSON.parse(raw) : null;
          } catch {
            // leave as text
          }
          resolvePromise({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

/** Edit a policy file in place the way an admin would (keys set by path), written atomically. */
export function editPolicy(path: string, set: Record<string, unknown>): void {
  const doc = parseDocument(readFileSync(path, 'utf8'));
  for (const [key, value] of Object.entries(set)) doc.setIn(key.split('.'), value);
  const tmp = `${path}.edit`;
  writeFileSync(tmp, doc.toString());
  renameSync(tmp, path);
}

export interface Cast {
  d: TestDaemon;
  alice: TestUser;
  bob: TestUser;
  /** An admin through a real Linux group named in the policy's admin.group. */
  carol: TestUser;
}

/**
 * The usual cast of a multi-user test: a daemon, two plain users and an admin through a real Linux group.
 * `policy` keys are set (editPolicy) together with admin.group, and the daemon reloads before returning.
 */
export async function startDaemonWithCast(
  opts: DaemonOptions & { policyEdits?: Record<string, unknown> },
): Promise<Cast> {
  const admins = await createTestGroup('ds01adm');
  const alice = await createTestUser();
  const bob = await createTestUser();
  const carol = await createTestUser();
  await addToGroup(carol.name, admins);
  const { policyEdits, ...daemonOpts } = opts;
  const d = await startTestDaemon(daemonOpts);
  editPolicy(d.policyPath, { 'admin.group': admins, ...policyEdits });
  const r = await d.cli(['config', 'reload']);
  if (r.code !== 0) throw new Error(`policy reload failed: ${r.stderr}`);
  return { d, alice, bob, carol };
}

// Access into a user's own running container from outside: SSH (shell, exec, sftp, forwards to its own
// ports), its stable host key, the ports listening in it, and JupyterLab. The container is resolved and
// authorised (owner only: not even an admin gets someone else's shell) before a byte of SSH is spoken.
// Open channels count as "attached" for the idle logic; every connection, channel and refusal is an
// audit event (never the data).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { type ExecDocker, runCaptured, startExec } from '../access/exec.js';
import { ContainerForwarder } from '../access/forward.js';
import type { HostKeys } from '../access/host-keys.js';
import type { JupyterTokens } from '../access/jupyter-tokens.js';
import { listeningPorts } from '../access/ports.js';
import type { serveSftp } from '../access/sftp.js';
import type { ChannelKind, serveSsh } from '../access/ssh-server.js';
import type { AccessTarget } from '../access/target.js';
import type { JupyterResult, PortsResult, SshHostKey } from '../api/types/access.js';
import type { EventKind } from '../api/types/events.js';
import type { Clock } from '../clock.js';
import { homeOf } from '../docker/spec.js';
import { badRequest, Ds01Error } from '../errors.js';
import type { Caller } from '../identity/caller.js';
import type { Logger } from '../log.js';
import { type Audit, auditLog } from '../store/audit.js';
import type { ContainerRow } from '../store/containers.js';
import type { Store } from '../store/index.js';
import type { ContainerQueries } from './containers-read.js';

export interface AccessDeps {
  store: Pick<Store, 'events' | 'containers'>;
  queries: Pick<ContainerQueries, 'resolve'>;
  docker: ExecDocker;
  /** Where the per-container SSH host keys live (access/host-keys.ts). */
  hostKeysDir: string;
  /** Root-only directory for the relays' Unix sockets. */
  runDir: string;
  /** Tokens of the JupyterLabs started, root-only in the state dir (they outlive a daemon restart). */
  jupyterTokens: JupyterTokens;
  clock: Clock;
  log: Logger;
}

const JUPYTER_WAIT_MS = 60_000;

/** What runs on the upgraded stream once the HTTP layer has answered 101. */
export type StreamRun = (socket: Duplex, head: Buffer) => void;

/** The SSH side, loaded on the first request that needs it. */
interface SshParts {
  keys: HostKeys;
  serveSsh: typeof serveSsh;
  serveSftp: typeof serveSftp;
}

export class AccessService {
  private readonly attached = new Map<string, number>();
  private ssh: Promise<SshParts> | undefined;

  private readonly log: Audit;

  constructor(private readonly d: AccessDeps) {
    this.log = auditLog(d.store.events, () => d.clock.now());
  }

  /**
   * ssh2 and the SSH server load on first use: most of a daemon's life has no SSH session, and loading
   * them costs start-up time (a restart after a crash serves sooner) and idle memory.
   */
  private sshParts(): Promise<SshParts> {
    this.ssh ??= Promise.all([
      import('../access/host-keys.js'),
      import('../access/ssh-server.js'),
      import('../access/sftp.js'),
    ]).then(
      ([k, s, f]) => ({
        keys: new k.HostKeys(this.d.hostKeysDir),
        serveSsh: s.serveSsh,
        serveSftp: f.serveSftp,
      }),
      (err: unknown) => {
        this.ssh = undefined;
        throw err;
      },
    );
    return this.ssh;
  }

  /** SSH channels and forwarded connections open now (the lifecycle counts the container in use). */
  /** Forget the JupyterLab tokens of containers that are gone (after each full reconcile). */
  pruneJupyterTokens(): void {
    const live = new Set(this.d.store.containers.live().map((c) => c.id));
    const removed = this.d.jupyterTokens.prune((id) => live.has(id));
    if (removed) this.d.log.info('jupyter tokens of gone containers removed', { removed });
  }

  sessionsOf(containerId: string): number {
    return this.attached.get(containerId) ?? 0;
  }

  private own(caller: Caller, ref: string): ContainerRow {
    const row = this.d.queries.resolve(caller, ref);
    if (row.owner_uid !== caller.uid)
      throw new Ds01Error(
        'FORBIDDEN',
        `container ${ref} is not yours: SSH, ports and Jupyter are for a container's owner only`,
        'work in your own containers; see `container-list`',
      );
    return row;
  }

  private async target(caller: Caller, ref: string): Promise<{ row: ContainerRow; t: AccessTarget }> {
    const row = this.own(caller, ref);
    const info = await this.d.docker.execTarget(row.id).catch((err: Error) => {
      throw new Ds01Error('NOT_FOUND', `container ${row.project} is not in Docker any more (${err.message})`);
    });
    if (!info.running || !info.pid) {
      throw new Ds01Error(
        'CONFLICT',
        `${row.project} is not running`,
        `start it first: \`container-start ${row.project}\``,
      );
    }
    // Always the owner's uid, whatever the container was created with (adopted ones may say root).
    const cfg = /^(\d+):(\d+)$/.exec(info.user);
    const sameUid = cfg && Number(cfg[1]) === row.owner_uid;
    return {
      row,
      t: {
        containerId: row.id,
        project: row.project,
        ownerUid: row.owner_uid,
        ownerGid: sameUid ? Number(cfg[2]) : caller.gid,
        ownerName: row.owner_name,
        execUser: sameUid ? info.user : `${row.owner_uid}:${caller.gid}`,
        home: homeOf(row.owner_name),
        pid: info.pid,
      },
    };
  }

  private audit(
    caller: Caller,
    row: ContainerRow,
    kind: EventKind,
    reason: string,
    data?: Record<string, unknown>,
  ) {
    this.log.byUser(
      caller,
      kind,
      { subjectUid: row.owner_uid, containerId: row.id, containerName: row.name },
      reason,
      data,
    );
  }

  private bump(id: string, by: number) {
    const n = (this.attached.get(id) ?? 0) + by;
    if (n > 0) this.attached.set(id, n);
    else this.attached.delete(id);
  }

  async hostKey(caller: Caller, ref: string): Promise<SshHostKey> {
    const row = this.own(caller, ref);
    const k = (await this.sshParts()).keys.get(row.owner_uid, row.project);
    return {
      container: row.project,
      alias: `${row.project}.ds01`,
      user: caller.name,
      publicKey: k.publicKey,
      fingerprint: k.fingerprint,
    };
  }

  /** Authorise, then hand back what speaks SSH on the upgraded stream. */
  async openSsh(caller: Caller, ref: string): Promise<StreamRun> {
    const { row, t } = await this.target(caller, ref);
    const { keys, serveSsh, serveSftp } = await this.sshParts();
    const key = keys.get(row.owner_uid, row.project);
    const started = this.d.clock.now();
    const forwarder = new ContainerForwarder(t, this.d.runDir);
    const counts: Partial<Record<ChannelKind, number>> = {};
    const forwardedPorts = new Map<number, number>();
    this.audit(caller, row, 'access.ssh_connected', `SSH connection to ${row.project}`);
    const log = this.d.log;
    return (socket: Duplex, head: Buffer) =>
      serveSsh(socket, head, {
        hostKey: key.privateKey,
        username: caller.name,
        log,
        hooks: {
          opened: (kind, detail) => {
            counts[kind] = (counts[kind] ?? 0) + 1;
            this.bump(row.id, 1);
            const port = typeof detail.port === 'number' ? detail.port : null;
            if (port !== null) {
              // One event per forwarded port and connection (a browser opens many), the rest counted.
              const seen = forwardedPorts.get(port) ?? 0;
              forwardedPorts.set(port, seen + 1);
              if (seen === 0)
                this.audit(caller, row, 'access.ssh_channel', `forwarded port ${port}`, {
                  channel: kind,
                  ...detail,
                });
            } else
              this.audit(caller, row, 'access.ssh_channel', `opened ${kind}`, { channel: kind, ...detail });
            let done = false;
            return () => {
              if (done) return;
              done = true;
              this.bump(row.id, -1);
            };
          },
          refused: (what, detail) =>
            this.audit(caller, row, 'access.ssh_refused', `refused ${what}`, { request: what, ...detail }),
        },
        backends: {
          exec: (o) => startExec(this.d.docker, t, o),
          forward: (host, port) => forwarder.connect(host, port),
          sftp: (stream) => serveSftp(stream, t),
          closed: () => {
            forwarder.close();
            this.audit(caller, row, 'access.ssh_closed', `SSH connection to ${row.project} ended`, {
              seconds: Math.round((this.d.clock.now() - started) / 1000),
              channels: counts,
              forwards: Object.fromEntries(forwardedPorts),
            });
          },
        },
      });
  }

  async ports(caller: Caller, ref: string): Promise<PortsResult> {
    const { row, t } = await this.target(caller, ref);
    return { container: row.project, ports: readPorts(t.pid) };
  }

  /** Start JupyterLab as the owner on the container's loopback with a fresh token, and wait for it. */
  async jupyter(caller: Caller, ref: string, port = 8888): Promise<JupyterResult> {
    if (!Number.isInteger(port) || port < 1024 || port > 65535)
      throw badRequest(`port ${port} is not usable`, 'pick a port between 1024 and 65535, e.g. --port 8888');
    const { row, t } = await this.target(caller, ref);
    const url = (token: string) => `http://localhost:${port}/lab?token=${token}`;
    const busy = readPorts(t.pid).some((p) => p.port === port);
    if (busy) {
      const token = this.d.jupyterTokens.get(row.id, port, t.pid);
      if (token) return { container: row.project, port, token, url: url(token), started: false };
      throw new Ds01Error(
        'CONFLICT',
        `port ${port} is already in use in ${row.project}`,
        `pick another port (--port ${port + 1}), or see \`ds01 ports ${row.project}\``,
      );
    }
    const has = await runCaptured(this.d.docker, t, ['/bin/sh', '-c', 'command -v jupyter']);
    if (has.code !== 0) {
      throw new Ds01Error(
        'NOT_FOUND',
        `${row.project}'s image has no JupyterLab (no \`jupyter\` on its PATH)`,
        `add it to your image: \`image-update IMAGE --add jupyterlab\`, then redeploy: \`container-retire ${row.project} && container-deploy ${row.project} --image IMAGE\``,
      );
    }
    const token = randomBytes(24).toString('hex');
    const log = `/tmp/ds01-jupyter-${port}.log`;
    const exec = await this.d.docker.execDetached(row.id, {
      cmd: [
        '/bin/sh',
        '-c',
        'exec jupyter lab --no-browser --ip=127.0.0.1 --port="$1" --ServerApp.token="$2" --ServerApp.root_dir=/workspace >"$3" 2>&1',
        'ds01-jupyter',
        String(port),
        token,
        log,
      ],
      user: t.execUser,
      workingDir: '/workspace',
      env: [`HOME=${t.home}`, `USER=${t.ownerName}`, `LOGNAME=${t.ownerName}`],
    });
    this.audit(caller, row, 'access.jupyter_started', `started JupyterLab on port ${port}`, { port });
    const end = this.d.clock.now() + JUPYTER_WAIT_MS;
    for (;;) {
      if (readPorts(t.pid).some((p) => p.port === port)) break;
      const s = await exec.inspect();
      if (s && !s.running) {
        const out = await runCaptured(this.d.docker, t, ['/bin/sh', '-c', 'tail -n 15 "$1"', 'x', log]);
        throw new Ds01Error(
          'INTERNAL',
          `JupyterLab exited (code ${s.exitCode}) before it listened on port ${port}:\n${out.stdout.trim()}`,
          `its log is ${log} in the container`,
        );
      }
      if (this.d.clock.now() > end)
        throw new Ds01Error('UNAVAILABLE', `JupyterLab did not listen on port ${port} within a minute`);
      await new Promise((r) => setTimeout(r, 250));
    }
    this.d.jupyterTokens.set(row.id, port, t.pid, token);
    return { container: row.project, port, token, url: url(token), started: true };
  }
}

function readPorts(pid: number) {
  const read = (f: string) => {
    try {
      return readFileSync(join('/proc', String(pid), 'net', f), 'utf8');
    } catch {
      return '';
    }
  };
  return listeningPorts(read('tcp'), read('tcp6'));
}

// Bind sources a user cannot swap (issue 13 hole 5). Docker is given <state>/workspaces/<docker name> as a
// container's workspace — a root-only path, never the user's ~/workspace/<name>, which dockerd would
// resolve again, following whatever symlink the user put there, at every start. Around each start ds01d
// runs workspace/bind-helper.js (in dockerd's mount namespace) which opens the workspace without
// following links, checks its owner and bind-mounts the opened directory there; runc copies that mount
// into the container, and the host mount is taken off again once Docker has started it. So every start,
// restart and queued deploy gets the directory checked just then, and a container started by anything
// else (Docker itself) finds only an empty root-owned directory.
// Through nsenter the helper is one long-lived process (workspace/helper-process.ts), not one per call.
import { readlinkSync, rmdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Ds01Error } from '../errors.js';
import type { Logger } from '../log.js';
import { peerCred } from '../native/libc.js';
import { daemonFile } from '../paths.js';
import { check, type HelperRequest, handle } from '../workspace/bind-helper.js';
import { type HelperAnswer, HelperProcess } from '../workspace/helper-process.js';
import type { UpperLayerInput } from '../workspace/upper-layer.js';

const HELPER = daemonFile('workspace/bind-helper.js');

export interface WorkspaceOwner {
  uid: number;
  gid: number;
  home: string;
}

/** dockerd's pid, from the kernel's credentials on a connection to its socket (null: not a local socket). */
function dockerdPid(socketPath: string): Promise<number | null> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    s.once('connect', () => {
      const fd = (s as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
      resolve(peerCred(fd)?.pid ?? null);
      s.destroy();
    });
    s.once('error', () => resolve(null));
  });
}

export class WorkspaceBinder {
  private readonly locks = new Map<string, Promise<unknown>>();
  /** The start-up sweep of leftover mounts; binds wait for it (it would take a fresh bind off). */
  private leftovers: Promise<void> = Promise.resolve();
  /** The helper in dockerd's namespace when ours differs; started on first use. */
  readonly process: HelperProcess;

  constructor(
    private readonly stateDir: string,
    private readonly dockerHost: string,
    private readonly log: Logger,
  ) {
    this.process = new HelperProcess([process.execPath, HELPER, '--serve'], log);
  }

  /** The bind source Docker is given for a container (stable for its life). */
  target(dockerName: string): string {
    return join(this.stateDir, 'workspaces', dockerName);
  }

  /**
   * Where dockerd resolves paths: null when that is our own mount namespace (no sandbox, as in most
   * tests), else nsenter into it and the namespace's name. Asked again for every request: dockerd may
   * have restarted.
   */
  private async namespace(): Promise<{ prefix: string[]; key: string } | null> {
    const m = /^unix:\/\/(.+)$/.exec(this.dockerHost);
    const pid = m?.[1] ? await dockerdPid(m[1]) : null;
    if (!pid) return null;
    try {
      const theirs = readlinkSync(`/proc/${pid}/ns/mnt`);
      if (theirs === readlinkSync('/proc/self/ns/mnt')) return null;
      return { prefix: ['nsenter', `--mount=/proc/${pid}/ns/mnt`, '--'], key: theirs };
    } catch {
      return null;
    }
  }

  /** In dockerd's namespace already: the helper's own code, in process; else the long-lived helper. */
  private async helper(req: HelperRequest): Promise<HelperAnswer> {
    const ns = await this.namespace();
    if (!ns) return handle(req);
    return this.process.request(ns.prefix, ns.key, req);
  }

  /**
   * Write a never-started container's passwd/group/home into its upper layer (workspace/upper-layer.ts);
   * `refused` when that layer is not one to write (the caller falls back to Docker's archive put).
   */
  writeUserFiles(input: UpperLayerInput): Promise<HelperAnswer> {
    return this.helper({ op: 'user-files', input });
  }

  /** One bind at a time per container: a second start waits for the first to finish. */
  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return next;
  }

  /**
   * Run `fn` (a Docker create or start) while the target shows the checked workspace; refuses with
   * CONFLICT when the workspace is a symlink or not the user's. The mount is taken off afterwards: after a
   * failure before answering, after a success right after answering (off the deploy's critical path).
   */
  withWorkspace<T>(
    owner: WorkspaceOwner,
    project: string,
    dockerName: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    const target = this.target(dockerName);
    const unbind = async () => {
      const u = await this.helper({ op: 'unbind', target }).catch(
        (err: unknown): HelperAnswer => ({ ok: false, refused: false, message: String(err) }),
      );
      if (!u.ok) this.log.error('cannot take off a workspace mount', { target, err: u.message });
    };
    return new Promise<T>((resolve, reject) => {
      void this.serial(dockerName, async () => {
        try {
          await this.leftovers;
          const r = await this.helper({
            op: 'bind',
            input: { home: owner.home, project, uid: owner.uid, gid: owner.gid, target },
          });
          if (!r.ok) throw workspaceRefusal(r);
        } catch (err) {
          reject(err);
          return;
        }
        let value: T;
        try {
          value = await fn();
        } catch (err) {
          // Off before the failure is answered: the caller may remove the container (and its mount point).
          await unbind();
          reject(err);
          return;
        }
        // Started: the caller has its answer while the mount comes off, still within this container's
        // turn (its next bind waits for it). Until then it shows only the checked directory.
        resolve(value);
        await unbind();
      });
    });
  }

  /** At start: a crash mid-start may have left a workspace mounted; take every such mount off. */
  // Not awaited by start-up: through nsenter it starts the helper (a Node process); the socket need not wait.
  unbindLeftovers(): Promise<void> {
    this.leftovers = this.helper({ op: 'unbind-under', dir: join(this.stateDir, 'workspaces') }).then(
      (r) => {
        if (!r.ok) this.log.error('cannot take off leftover workspace mounts', { err: r.message });
      },
      (err: unknown) => this.log.error('cannot take off leftover workspace mounts', { err: String(err) }),
    );
    return this.leftovers;
  }

  /**
   * A create's early answer: the workspace opens without links and is the user's (created if missing).
   * Run here, in ds01d's own namespace (homes are visible in it); what counts is the check at each start.
   */
  check(owner: WorkspaceOwner, project: string): void {
    const r = check({ home: owner.home, project, uid: owner.uid, gid: owner.gid });
    if (!r.ok) throw workspaceRefusal(r);
  }

  /** The container is gone: its (unmounted, empty) mount point goes too, after any take-off in flight. */
  forget(dockerName: string): void {
    void this.serial(dockerName, async () => {
      try {
        rmdirSync(this.target(dockerName));
      } catch {
        // absent, or somehow still mounted/non-empty: left for an admin rather than risk anything inside
      }
    });
  }
}

/** A workspace the helper refused (a link, not the user's: theirs to fix) or could not prepare. */
function workspaceRefusal(r: { refused: boolean; message: string }): Ds01Error {
  return r.refused
    ? new Ds01Error(
        'CONFLICT',
        r.message,
        'make it a plain directory you own (or move it away) and try again',
      )
    : new Ds01Error('INTERNAL', `cannot prepare the workspace: ${r.message}`);
}

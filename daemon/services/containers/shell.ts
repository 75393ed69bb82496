// The shell: a Docker exec as the container's owner, in /workspace, counted while open (the lifecycle
// treats a container with an open shell as in use). The API layer wires the exec to the client's socket
// (api/shell-bridge.ts); this side only opens, counts and audits.
import type { Duplex } from 'node:stream';
import { homeOf } from '../../docker/spec.js';
import { Ds01Error } from '../../errors.js';
import type { Caller } from '../../identity/caller.js';
import type { ContainerRow } from '../../store/containers.js';
import { actorOf, type ContainerContext } from './context.js';

export interface ShellOptions {
  tty: boolean;
  cols?: number;
  rows?: number;
  term?: string;
  cmd?: string[];
}

/** A Docker exec, ready to be wired to the client's socket. */
export interface ShellSession {
  stream: Duplex;
  tty: boolean;
  resize(cols: number, rows: number): Promise<void>;
  /** Exit code once the stream has ended (null if Docker cannot say). */
  exitCode(): Promise<number | null>;
  /** Why the container went away under the shell (who stopped or retired it, and why), if it did. */
  endNotice(): string | null;
  close(): void;
}

const LOGIN_SHELL = [
  '/bin/sh',
  '-c',
  'if [ -x /bin/bash ]; then exec /bin/bash -l; else exec /bin/sh -l; fi',
];

/**
 * A command run through /bin/sh so that a missing one reads like a shell's "command not found" (exit 127),
 * not Docker's "OCI runtime exec failed … executable file not found in $PATH" with exit 126.
 */
export function commandInContainer(cmd: string[]): string[] {
  const check =
    'command -v "$1" >/dev/null 2>&1 || { printf "%s: command not found in the container\\n" "$1" >&2; exit 127; }; exec "$@"';
  return ['/bin/sh', '-c', check, 'ds01', ...cmd];
}

export class ContainerShells {
  private readonly sessions = new Map<string, number>();

  constructor(private readonly c: ContainerContext) {}

  private get d() {
    return this.c.d;
  }

  /** Shells attached through ds01 right now (the lifecycle engine counts a container in use while > 0). */
  sessionsOf(containerId: string): number {
    return this.sessions.get(containerId) ?? 0;
  }

  /** Create a Docker exec as the container's user; the caller wires its stream to the client. */
  async open(
    caller: Caller,
    ref: string,
    opts: ShellOptions,
  ): Promise<{ row: ContainerRow; session: ShellSession }> {
    const row = this.d.queries.resolve(caller, ref);
    const info = await this.d.ops.runInfo(row.id).catch((err) => {
      throw new Ds01Error(
        'NOT_FOUND',
        `container ${row.project} is not in Docker any more (${(err as Error).message})`,
      );
    });
    if (!info.running) {
      throw new Ds01Error(
        'CONFLICT',
        `${row.project} is not running`,
        `start it first: \`container-start ${row.project}\``,
      );
    }
    // Always the owner's uid, whatever the container was created with (adopted ones may say root).
    const cfgUser = /^(\d+):(\d+)$/.exec(info.user);
    const user = cfgUser && Number(cfgUser[1]) === row.owner_uid ? info.user : String(row.owner_uid);
    const term = opts.term && /^[A-Za-z0-9._+-]{1,64}$/.test(opts.term) ? opts.term : 'xterm';
    const exec = await this.d.ops.exec(row.id, {
      cmd: opts.cmd?.length ? commandInContainer(opts.cmd) : LOGIN_SHELL,
      tty: opts.tty,
      user,
      workingDir: '/workspace',
      env: [
        `TERM=${term}`,
        `HOME=${homeOf(row.owner_name)}`,
        `USER=${row.owner_name}`,
        `LOGNAME=${row.owner_name}`,
      ],
    });
    const stream = exec.stream;
    if (opts.tty && opts.cols && opts.rows) await exec.resize(opts.cols, opts.rows).catch(() => undefined);
    this.sessions.set(row.id, this.sessionsOf(row.id) + 1);
    this.c.audit(
      actorOf(caller),
      row,
      'container.shell_opened',
      opts.cmd?.length ? `ran ${opts.cmd[0]}` : 'opened a shell',
      {
        tty: opts.tty,
      },
    );
    let closed = false;
    const session: ShellSession = {
      stream,
      tty: opts.tty,
      resize: async (cols, rows) => {
        await exec.resize(cols, rows).catch(() => undefined);
      },
      exitCode: async () => {
        for (let i = 0; i < 50; i++) {
          const s = await exec.inspect();
          if (!s) return null;
          if (!s.running) return s.exitCode;
          await new Promise((r) => setTimeout(r, 20));
        }
        return null;
      },
      endNotice: () => this.c.endings.get(row.id),
      close: () => {
        if (closed) return;
        closed = true;
        const n = this.sessionsOf(row.id) - 1;
        if (n > 0) this.sessions.set(row.id, n);
        else this.sessions.delete(row.id);
        stream.destroy();
      },
    };
    return { row, session };
  }

  recordClosed(caller: Caller, row: ContainerRow, exitCode: number | null, ms: number): void {
    this.c.audit(actorOf(caller), row, 'container.shell_closed', `shell ended (exit ${exitCode ?? '?'})`, {
      exitCode,
      seconds: Math.round(ms / 1000),
    });
  }
}

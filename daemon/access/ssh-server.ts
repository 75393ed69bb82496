// The SSH protocol spoken by ds01d on one upgraded connection of the API socket (the CLI's `ssh-proxy`
// turns an OpenSSH ProxyCommand's stdio into that connection). The caller and the container were
// resolved and authorised before this runs; here the SSH login name must be the caller's, and channels
// are limited to: session (pty, window-change, env from an allow-list, shell, exec, subsystem sftp) and
// direct-tcpip to the container's own loopback. Everything else (tcpip-forward, x11, agent forwarding,
// streamlocal) is refused. Every channel is reported to `hooks` (audit + the "attached" count).
import type { Duplex } from 'node:stream';
import type { Connection, PseudoTtyInfo, ServerChannel, Session } from 'ssh2';
import ssh2 from 'ssh2';
import { StreamDemuxer } from '../docker/demux.js';
import type { Logger } from '../log.js';
import type { ExecOptions, RunningExec } from './exec.js';
import { allowedEnv, clampDim, decideForward, execCommand, LOGIN_SHELL, safeTerm } from './rules.js';

export type ChannelKind = 'shell' | 'exec' | 'sftp' | 'direct-tcpip';

export interface SshHooks {
  /** A channel opened; returns the function to call when it closes. */
  opened(kind: ChannelKind, detail: Record<string, unknown>): () => void;
  refused(what: string, detail: Record<string, unknown>): void;
}

export interface SshBackends {
  exec(o: ExecOptions): Promise<RunningExec>;
  forward(host: '127.0.0.1' | '::1', port: number): Promise<Duplex>;
  /** Serve SFTP on an accepted sftp stream; resolves when it ends. */
  sftp(stream: ssh2.SFTPWrapper): Promise<void>;
  /** Called once when the SSH connection ends (stop helpers). */
  closed(): void;
}

export interface SshServeOptions {
  hostKey: string;
  /** The only login name accepted: the caller's, from SO_PEERCRED. */
  username: string;
  backends: SshBackends;
  hooks: SshHooks;
  log: Logger;
}

/** Speak SSH on `socket` (already past the HTTP 101); `head` is what arrived with the upgrade. */
export function serveSsh(socket: Duplex, head: Buffer, o: SshServeOptions): void {
  if (head.length) socket.unshift(head);
  const server = new ssh2.Server({ hostKeys: [o.hostKey], ident: 'ds01' });
  server.on('connection', (client: Connection) => onClient(client, o));
  server.on('error', () => undefined);
  server.injectSocket(socket as never);
}

function onClient(client: Connection, o: SshServeOptions) {
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    o.backends.closed();
  };
  client.on('error', (err) => o.log.debug('ssh client error', { err: err.message }));
  client.on('close', end);
  client.on('end', end);
  client.on('authentication', (ctx) => {
    // Who is connecting was settled by the kernel; the SSH user name must merely agree with it.
    if (ctx.username === o.username) return ctx.accept();
    if (ctx.method === 'none') o.hooks.refused('login', { username: ctx.username });
    ctx.reject([]);
  });
  client.on('ready', () => {
    client.on('session', (accept) => onSession(accept(), o));
    client.on('tcpip', (accept, reject, info) => {
      const d = decideForward(info.destIP, info.destPort);
      if (!d.ok) {
        o.hooks.refused('direct-tcpip', { host: info.destIP, port: info.destPort, why: d.why });
        return reject();
      }
      o.backends.forward(d.host, d.port).then(
        (sock) => {
          const ch = accept();
          const done = o.hooks.opened('direct-tcpip', { port: d.port });
          sock.pipe(ch).pipe(sock);
          let closed = false;
          const close = () => {
            if (closed) return;
            closed = true;
            sock.destroy();
            done();
          };
          ch.on('close', close);
          sock.on('close', () => {
            ch.close();
            close();
          });
          sock.on('error', close);
          ch.on('error', close);
        },
        (err: Error) => {
          o.hooks.refused('direct-tcpip', { host: info.destIP, port: info.destPort, why: err.message });
          reject();
        },
      );
    });
    // Remote forwarding and socket forwarding are not offered: nothing listens on the server for a user.
    client.on('request', (_accept, reject, name, info) => {
      if (name === 'tcpip-forward' || (name as string) === 'streamlocal-forward@openssh.com')
        o.hooks.refused(name, { ...(info as object) });
      reject?.();
    });
    client.on('openssh.streamlocal', (_accept, reject, info) => {
      o.hooks.refused('direct-streamlocal', { path: info.socketPath });
      reject();
    });
  });
}

function onSession(session: Session, o: SshServeOptions) {
  let pty: PseudoTtyInfo | null = null;
  const env: string[] = [];
  let running: RunningExec | null = null;
  let size: { cols: number; rows: number } | null = null;

  session.on('pty', (accept, _reject, info) => {
    pty = info;
    size = { cols: clampDim(info.cols), rows: clampDim(info.rows) };
    accept?.();
  });
  session.on('window-change', (accept, _reject, info) => {
    size = { cols: clampDim(info.cols), rows: clampDim(info.rows) };
    if (running?.tty && size.cols && size.rows) void running.resize(size.cols, size.rows);
    accept?.();
  });
  session.on('env', (accept, reject, info) => {
    if (allowedEnv(info.key, info.val)) {
      env.push(`${info.key}=${info.val}`);
      accept?.();
    } else reject?.();
  });
  session.on('signal', (accept) => accept?.());
  session.on('x11', (_a, reject) => {
    o.hooks.refused('x11', {});
    reject?.();
  });
  session.on('auth-agent', (_a, reject) => {
    o.hooks.refused('auth-agent', {});
    reject?.();
  });

  const run = (kind: 'shell' | 'exec', cmd: string[], ch: ServerChannel, detail: Record<string, unknown>) => {
    const tty = pty !== null;
    const envAll = tty ? [`TERM=${safeTerm(pty?.term)}`, ...env] : env;
    const done = o.hooks.opened(kind, { tty, ...detail });
    o.backends
      .exec({ cmd, tty, cols: size?.cols || undefined, rows: size?.rows || undefined, env: envAll })
      .then((ex) => {
        running = ex;
        pipeExec(ex, ch, done);
      })
      .catch((err: Error) => {
        ch.stderr.write(`ds01: cannot start the command: ${err.message}\r\n`);
        ch.exit(255);
        ch.end();
        done();
      });
  };
  session.on('shell', (accept) => run('shell', LOGIN_SHELL, accept(), {}));
  session.on('exec', (accept, _reject, info) =>
    // The command text is the user's own business: audited by its program name only, never in full.
    run('exec', execCommand(info.command), accept(), { program: info.command.trim().split(/\s+/)[0] ?? '' }),
  );
  session.on('sftp', (accept) => {
    const done = o.hooks.opened('sftp', {});
    o.backends.sftp(accept()).finally(done);
  });
  session.on('subsystem', (_accept, reject, info) => {
    o.hooks.refused('subsystem', { name: info.name });
    reject?.();
  });
}

/** Wire a Docker exec to an SSH channel: stdin, stdout/stderr, EOF, exit status, close. */
function pipeExec(ex: RunningExec, ch: ServerChannel, done: () => void) {
  let finished = false;
  const demux = ex.tty ? null : new StreamDemuxer();
  ex.stream.on('data', (chunk: Buffer) => {
    if (!demux) return void ch.write(chunk);
    for (const c of demux.push(chunk)) (c.stream === 'stderr' ? ch.stderr : ch).write(c.data);
  });
  ch.on('data', (d: Buffer) => ex.stream.write(d));
  ch.on('end', () => ex.stream.end());
  const finish = async (clientGone: boolean) => {
    if (finished) return;
    finished = true;
    if (!clientGone) {
      const code = await ex.exitCode();
      ch.exit(code ?? 255);
      ch.end();
    }
    ex.stream.destroy();
    done();
  };
  ex.stream.on('end', () => void finish(false));
  ex.stream.on('close', () => void finish(false));
  ex.stream.on('error', () => void finish(false));
  ch.on('close', () => void finish(true));
}

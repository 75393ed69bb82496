// direct-tcpip into a container: one relay process per SSH connection, started on first use inside the
// container's network namespace (see netns-relay.ts), reached over a root-only Unix socket.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Ds01Error } from '../errors.js';
import { daemonFile } from '../paths.js';
import type { AccessTarget } from './target.js';

const RELAY_JS = daemonFile('access/netns-relay.js');
const START_TIMEOUT_MS = 10_000;

export class ContainerForwarder {
  private relay: Promise<string> | null = null;
  private child: ChildProcess | null = null;
  private sock: string | null = null;

  constructor(
    private readonly t: AccessTarget,
    private readonly runDir: string,
  ) {}

  /** A TCP connection to HOST:PORT as seen from inside the container (HOST already decided loopback). */
  async connect(host: '127.0.0.1' | '::1', port: number): Promise<net.Socket> {
    const path = await this.start();
    const sock = net.connect({ path, allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    sock.write(`${host} ${port}\n`);
    const answer = await readLine(sock);
    if (answer !== 'OK') {
      sock.destroy();
      throw new Ds01Error('CONFLICT', `nothing answers on port ${port} in ${this.t.project} (${answer})`);
    }
    return sock;
  }

  private start(): Promise<string> {
    if (this.relay) return this.relay;
    this.relay = new Promise<string>((resolve, reject) => {
      mkdirSync(this.runDir, { recursive: true, mode: 0o700 });
      const path = join(this.runDir, `fwd-${randomBytes(6).toString('hex')}.sock`);
      this.sock = path;
      const child = spawn(
        'nsenter',
        [
          `--target=${this.t.pid}`,
          '--net',
          '--',
          process.execPath,
          RELAY_JS,
          path,
          String(this.t.ownerUid),
          String(this.t.ownerGid),
        ],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      this.child = child;
      let err = '';
      child.stderr?.on('data', (d: Buffer) => {
        err += d.toString('utf8');
      });
      const timer = setTimeout(() => {
        child.kill();
        reject(new Ds01Error('INTERNAL', 'the port relay did not start in time'));
      }, START_TIMEOUT_MS);
      child.stdout?.once('data', () => {
        clearTimeout(timer);
        resolve(path);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Ds01Error('INTERNAL', `the port relay exited (${code}): ${err.trim().slice(0, 300)}`));
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new Ds01Error('INTERNAL', `cannot start the port relay: ${e.message}`));
      });
    });
    this.relay.catch(() => undefined);
    return this.relay;
  }

  close(): void {
    this.child?.stdin?.end();
    this.child?.kill();
    if (this.sock) rmSync(this.sock, { force: true });
  }
}

function readLine(sock: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const nl = buf.indexOf(10);
      if (nl < 0 && buf.length < 200) return;
      sock.off('data', onData);
      sock.pause();
      const line = buf.subarray(0, nl < 0 ? buf.length : nl).toString('utf8');
      const rest = nl < 0 ? Buffer.alloc(0) : buf.subarray(nl + 1);
      if (rest.length) sock.unshift(rest);
      resolve(line);
    };
    sock.on('data', onData);
    sock.once('close', () => resolve('closed'));
  });
}

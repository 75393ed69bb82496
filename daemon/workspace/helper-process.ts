// The long-lived workspace helper (issue 17): one `bind-helper.js --serve` process in dockerd's mount
// namespace, started on first use and kept, instead of a new Node process (≈100 ms) through nsenter for
// every bind and every take-off. Requests go over its stdin as JSON lines with ids; answers come back in
// order. Nothing is trusted from an earlier request: the helper opens and checks every path afresh each time.
//   - started lazily, for the namespace it was asked for; a request for another namespace (dockerd
//     restarted in a new one) replaces it;
//   - a helper that dies is started again by the next request; requests in flight when it died are
//     answered once more by a fresh one (every request is safe to repeat: a bind takes off what is there
//     first, a take-off of nothing does nothing, and a half-written upper layer is refused, not reused);
//   - a request not answered within the timeout kills the helper (it is stuck) and fails.
// It runs with ds01d's own privileges (nsenter changes only the mount namespace) and ends with ds01d: its
// stdin closes then.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '../log.js';
import type { BindOutput, HelperOutput, HelperRequest } from './bind-helper.js';

export type HelperAnswer = BindOutput | HelperOutput;

interface Pending {
  child: ChildProcess;
  resolve: (a: HelperAnswer) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

class HelperDied extends Error {}

export class HelperProcess {
  private child: ChildProcess | null = null;
  private key = '';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** How many helpers were started (tests and logs). */
  started = 0;

  constructor(
    /** The program and its arguments, e.g. [node, bind-helper.js, --serve]. */
    private readonly program: string[],
    private readonly log: Logger,
    private readonly timeoutMs = 30_000,
  ) {}

  /** The helper's pid, while one runs. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /**
   * Answer `req` in the helper entered through `prefix` (e.g. nsenter --mount=… --), `key` naming that
   * namespace. A helper that died is replaced and the request asked again, once.
   */
  async request(prefix: string[], key: string, req: HelperRequest): Promise<HelperAnswer> {
    try {
      return await this.once(prefix, key, req);
    } catch (err) {
      if (!(err instanceof HelperDied)) throw err;
      this.log.warn('workspace helper died; asking a new one', { op: req.op, err: err.message });
      return this.once(prefix, key, req);
    }
  }

  /** End the helper (ds01d shutting down). */
  close(): void {
    this.child?.stdin?.end();
    this.child = null;
  }

  private once(prefix: string[], key: string, req: HelperRequest): Promise<HelperAnswer> {
    const child = this.ensure(prefix, key);
    const id = this.nextId++;
    return new Promise<HelperAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.log.error('workspace helper did not answer; killing it', { op: req.op, ms: this.timeoutMs });
        child.kill('SIGKILL');
        resolve({
          ok: false,
          refused: false,
          message: `the workspace helper did not answer within ${this.timeoutMs / 1000} s`,
        });
      }, this.timeoutMs);
      this.pending.set(id, { child, resolve, reject, timer });
      // A write to a helper that just died fails through 'exit' (EPIPE is ignored below).
      child.stdin?.write(`${JSON.stringify({ id, ...req })}\n`);
    });
  }

  private settle(id: number, how: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return; // timed out meanwhile
    this.pending.delete(id);
    clearTimeout(p.timer);
    how(p);
  }

  private ensure(prefix: string[], key: string): ChildProcess {
    if (this.child && this.key === key) return this.child;
    if (this.child) {
      this.log.info('dockerd’s mount namespace changed: restarting the workspace helper', {});
      this.child.kill('SIGKILL');
      this.child = null;
    }
    const argv = [...prefix, ...this.program];
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.key = key;
    this.started++;
    this.log.debug('workspace helper started', { pid: child.pid });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      let msg: { id?: unknown } & Record<string, unknown>;
      try {
        msg = JSON.parse(line);
      } catch {
        this.log.warn('workspace helper said something that is not an answer', { line: line.slice(0, 200) });
        return;
      }
      const { id, ...answer } = msg;
      if (typeof id === 'number') this.settle(id, (p) => p.resolve(answer as unknown as HelperAnswer));
    });
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) =>
      this.log.warn('workspace helper', { stderr: line.slice(0, 500) }),
    );
    child.stdin?.on('error', () => undefined);
    const died = (why: string) => {
      if (this.child === child) this.child = null;
      for (const [id, p] of [...this.pending])
        if (p.child === child) this.settle(id, (q) => q.reject(new HelperDied(why)));
    };
    child.on('error', (err) => died(err.message));
    // 'close' (not 'exit'): every answer it wrote has been read by then.
    child.on('close', (code, signal) => died(`exited (${signal ?? code})`));
    // ds01d's exit must not wait for its helper.
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr])
      (s as unknown as { unref?: () => void } | null)?.unref?.();
    return child;
  }
}

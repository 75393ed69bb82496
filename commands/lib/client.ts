// The client SDK: HTTP/1.1 + JSON over the daemon's Unix socket. Errors come back typed, with the
// code the daemon chose; "daemon not running" is its own error (exit code 5).
import http from 'node:http';
// errors.js alone, not the whole wire contract (zod): `ds01 ssh-proxy` starts on every ssh connection.
import { type ErrorBody, type ErrorCode, exitCodeFor, isErrorCode } from '../../daemon/api/types/errors.js';

export const DEFAULT_SOCKET = '/run/ds01/ds01.sock';

export function socketPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.DS01_SOCKET || DEFAULT_SOCKET;
}

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: number,
    readonly hint?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get exitCode(): number {
    return exitCodeFor(this.code);
  }
}

/** Errors that mean the daemon's socket could not be reached at all (exit 5, with a hint). */
const UNREACHABLE = ['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTSOCK'];

/** `err` as DaemonUnreachableError when it says the socket could not be reached; else `err` itself. */
export function connectError(
  socket: string,
  err: NodeJS.ErrnoException,
  alsoUnreachable: string[] = [],
): Error {
  return [...UNREACHABLE, ...alsoUnreachable].includes(err.code ?? '')
    ? new DaemonUnreachableError(socket, err)
    : err;
}

export class DaemonUnreachableError extends Error {
  readonly exitCode = 5;
  constructor(
    readonly socket: string,
    override readonly cause: NodeJS.ErrnoException,
  ) {
    const why =
      cause.code === 'ENOENT'
        ? 'the socket does not exist — is ds01d running? (systemctl status ds01d)'
        : cause.code === 'ECONNREFUSED'
          ? 'nothing is listening — ds01d is not running (systemctl start ds01d)'
          : cause.code === 'EACCES'
            ? 'permission denied on the socket — ask an admin to add you to the ds01 socket group'
            : `${cause.code ?? ''} ${cause.message}`.trim();
    super(`cannot reach the ds01 daemon at ${socket}: ${why}`);
    this.name = 'DaemonUnreachableError';
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export class Client {
  /** Awaited once, after the first answer arrives and before it is handed over (see holdFirstAnswer). */
  private gate: (() => Promise<void>) | null = null;

  constructor(readonly socket: string = socketPath()) {}

  /**
   * Run `before` once the first answer has arrived, before the command sees it (and so before it prints
   * anything from it). cli.ts uses this to show unread notices first while their request runs beside the
   * command's own: one round trip instead of two in a row.
   */
  holdFirstAnswer(before: () => Promise<void>): void {
    this.gate = before;
  }

  /** For a connection made outside request()/openStream() (shell, build): call before showing anything. */
  async passGate(): Promise<void> {
    const g = this.gate;
    this.gate = null;
    if (g) await g();
  }

  private url(path: string, query?: RequestOptions['query']): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {}))
      if (v !== undefined && v !== false) qs.set(k, String(v));
    const s = qs.toString();
    return `/v1${path}${s ? `?${s}` : ''}`;
  }

  private raw(path: string, opts: RequestOptions): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
      const req = http.request(
        {
          socketPath: this.socket,
          path: this.url(path, opts.query),
          method: opts.method ?? (body ? 'POST' : 'GET'),
          headers: {
            Host: 'ds01',
            ...(body
              ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }
              : {}),
          },
          signal: opts.signal,
          // No shared agent: Node's global agent idles sockets out after 5 s, which cut every stream
          // (follow, watch) and every slow request mid-flight. Only an explicit timeoutMs applies.
          agent: false,
          timeout: opts.timeoutMs,
        },
        resolve,
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })),
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.name === 'AbortError') return reject(err);
        // A reset or broken pipe on an ordinary request means the daemon went away mid-answer.
        reject(connectError(this.socket, err, ['ECONNRESET', 'EPIPE']));
      });
      req.end(body);
    });
  }

  private async errorFrom(res: http.IncomingMessage): Promise<ApiError> {
    const text = await readAll(res);
    try {
      const body = JSON.parse(text) as ErrorBody;
      if (isErrorCode(body.error?.code)) {
        return new ApiError(
          body.error.code,
          body.error.message,
          res.statusCode ?? 500,
          body.error.hint,
          body.error.details,
        );
      }
    } catch {
      // fall through
    }
    return new ApiError(
      'INTERNAL',
      `daemon answered ${res.statusCode}: ${text.slice(0, 200)}`,
      res.statusCode ?? 500,
    );
  }

  async request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.raw(path, opts);
    await this.passGate();
    if ((res.statusCode ?? 500) >= 400) throw await this.errorFrom(res);
    const text = await readAll(res);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** An NDJSON stream, one parsed object at a time. */
  async *stream<T>(path: string, opts: RequestOptions = {}): AsyncGenerator<T> {
    yield* await this.openStream<T>(path, opts);
  }

  /** Like stream(), but resolves once the daemon has answered (errors are thrown here, not later). */
  async openStream<T>(path: string, opts: RequestOptions = {}): Promise<AsyncGenerator<T>> {
    const res = await this.raw(path, opts);
    await this.passGate();
    if ((res.statusCode ?? 500) >= 400) throw await this.errorFrom(res);
    return ndjson<T>(res, opts.signal);
  }
}

async function* ndjson<T>(res: http.IncomingMessage, signal?: AbortSignal): AsyncGenerator<T> {
  let buf = '';
  try {
    for await (const chunk of res) {
      buf += (chunk as Buffer).toString('utf8');
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) yield JSON.parse(line) as T;
        nl = buf.indexOf('\n');
      }
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError' && !signal?.aborted) throw err;
  }
}

/** The connection to the daemon went away (restart, crash) — as opposed to an answer. */
export function isConnectionLost(err: unknown): boolean {
  if (err instanceof DaemonUnreachableError) return true;
  const e = err as NodeJS.ErrnoException | undefined;
  return e?.code === 'ECONNRESET' || e?.code === 'EPIPE' || e?.message === 'aborted';
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

// The client SDK: HTTP/1.1 + JSON over the daemon's Unix socket. Errors come back typed, with the
// code the daemon chose; "daemon not running" is its own error (exit code 5). One connection per request,
// spoken over node:net with http-wire.ts (node:http's client costs every command start-up ≈5 ms).
import { connect } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
// errors.js alone, not the whole wire contract (zod): `ds01 ssh-proxy` starts on every ssh connection.
import { type ErrorBody, type ErrorCode, exitCodeFor, isErrorCode } from '../../daemon/api/types/errors.js';
import type { Notice } from '../../daemon/api/types/lifecycle.js';
import {
  NOTICES_HEADER,
  NOTICES_REQUEST_HEADER,
  NOTICES_WANTED,
  readNoticesHeader,
} from '../../daemon/api/types/notice-header.js';
import { encodeRequest, ResponseReader } from './http-wire.js';

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

/** An answer whose head has arrived: its status, and its body as it streams. */
interface Answer {
  status: number;
  body: Readable;
}

/** What node:http rejects an aborted request with: callers tell it from a failure by its name. */
const abortError = () =>
  Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });

export interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** The unread notices a command takes with its first request (see Client.takeNotices). */
interface NoticeAsk {
  show: (notices: Notice[]) => void;
  /** Set once a request carried the ask; resolved once its answer's head was read (or it failed). */
  shown: Promise<void> | null;
}

export class Client {
  private ask: NoticeAsk | null = null;

  constructor(readonly socket: string = socketPath()) {}

  /**
   * Ask, on this client's next request, for the caller's unread notices (ds01d marks them shown and sends
   * them in that answer's head: no request of their own), and hand them to `show` before that answer, or
   * any answer after it, reaches the command, so they are printed before anything the command shows.
   */
  takeNotices(show: (notices: Notice[]) => void): void {
    this.ask = { show, shown: null };
  }

  /**
   * Before showing anything from a connection made outside request()/openStream() (shell, build), and at
   * the end of a command: the notices, shown once; asked on a request of their own if no request carried
   * the ask. Never fails (a notice must not get in the way of the command).
   */
  async passGate(): Promise<void> {
    if (!this.ask) return;
    if (!this.ask.shown) await this.request('/notices', { timeoutMs: 1500 }).catch(() => undefined);
    await this.ask.shown;
  }

  /** The headers that ask for notices, once per command; the ask is then awaited by every answer. */
  private askFor(): { headers: Record<string, string>; took: (value: string | undefined) => void } | null {
    const ask = this.ask;
    if (!ask || ask.shown) return null;
    let settle = () => {};
    ask.shown = new Promise<void>((resolve) => {
      settle = resolve;
    });
    let done = false;
    return {
      headers: { [NOTICES_REQUEST_HEADER]: NOTICES_WANTED },
      took: (value) => {
        if (done) return;
        done = true;
        try {
          ask.show(readNoticesHeader(value));
        } finally {
          settle();
        }
      },
    };
  }

  private url(path: string, query?: RequestOptions['query']): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {}))
      if (v !== undefined && v !== false) qs.set(k, String(v));
    const s = qs.toString();
    return `/v1${path}${s ? `?${s}` : ''}`;
  }

  /**
   * Sends one request on a connection of its own; resolves with the answer's status once its head has
   * arrived, the body streaming after. No idle timeout unless timeoutMs is given (follow streams and slow
   * requests wait as long as the daemon takes).
   */
  private raw(path: string, opts: RequestOptions): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
      if (opts.signal?.aborted) return reject(abortError());
      const ask = this.askFor();
      let request: string;
      try {
        request = encodeRequest(
          opts.method ?? (body ? 'POST' : 'GET'),
          this.url(path, opts.query),
          body,
          ask?.headers,
        );
      } catch (err) {
        ask?.took(undefined);
        return reject(err);
      }
      const socket = connect(this.socket);
      const reader = new ResponseReader();
      const out = new PassThrough();
      let answered = false;
      const fail = (err: NodeJS.ErrnoException) => {
        ask?.took(undefined);
        if (answered) out.destroy(err);
        // A reset or broken pipe on an ordinary request means the daemon went away mid-answer.
        else reject(connectError(this.socket, err, ['ECONNRESET', 'EPIPE']));
      };
      // Closed on the next turn of the event loop, not at once: closing a socket reads process.stderr
      // (node:net), which makes that stream (≈1 ms), so a command that exits on this answer never pays.
      const hangUp = () => setImmediate(() => socket.destroy());
      // A reader that stops early (a stream's consumer breaking out) hangs up.
      out.on('close', hangUp);
      const onAbort = () => socket.destroy(abortError());
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.timeoutMs)
        socket.setTimeout(opts.timeoutMs, () =>
          socket.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })),
        );
      socket.on('connect', () => socket.write(request));
      socket.on('data', (chunk: Buffer) => {
        let fed: ReturnType<ResponseReader['feed']>;
        try {
          fed = reader.feed(chunk);
        } catch (err) {
          return socket.destroy(err as Error);
        }
        if (fed.head) {
          ask?.took(fed.head.headers[NOTICES_HEADER]);
          answered = true;
          resolve({ status: fed.head.status, body: out });
        }
        for (const b of fed.body) out.write(b);
        if (fed.done) {
          out.end();
          hangUp();
        }
      });
      socket.on('error', fail);
      socket.on('end', () => {
        if (reader.closed()) out.end();
        // Node's http client says 'aborted' here; isConnectionLost() and follow streams know it.
        else fail(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
      });
      socket.on('close', () => opts.signal?.removeEventListener('abort', onAbort));
    });
  }

  private async errorFrom(res: Answer): Promise<ApiError> {
    const text = await readAll(res.body);
    try {
      const body = JSON.parse(text) as ErrorBody;
      if (isErrorCode(body.error?.code)) {
        return new ApiError(
          body.error.code,
          body.error.message,
          res.status,
          body.error.hint,
          body.error.details,
        );
      }
    } catch {
      // fall through
    }
    return new ApiError('INTERNAL', `daemon answered ${res.status}: ${text.slice(0, 200)}`, res.status);
  }

  async request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.raw(path, opts);
    await this.ask?.shown;
    if (res.status >= 400) throw await this.errorFrom(res);
    const text = await readAll(res.body);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** An NDJSON stream, one parsed object at a time. */
  async *stream<T>(path: string, opts: RequestOptions = {}): AsyncGenerator<T> {
    yield* await this.openStream<T>(path, opts);
  }

  /** Like stream(), but resolves once the daemon has answered (errors are thrown here, not later). */
  async openStream<T>(path: string, opts: RequestOptions = {}): Promise<AsyncGenerator<T>> {
    const res = await this.raw(path, opts);
    await this.ask?.shown;
    if (res.status >= 400) throw await this.errorFrom(res);
    return ndjson<T>(res.body, opts.signal);
  }
}

async function* ndjson<T>(res: Readable, signal?: AbortSignal): AsyncGenerator<T> {
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

function readAll(res: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

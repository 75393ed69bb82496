// HTTP/1.1 + JSON on a Unix socket. Every connection's identity comes from the kernel (SO_PEERCRED)
// and nothing in a request can change it. One place turns errors into statuses.
import { chmodSync, chownSync, existsSync, lstatSync, unlinkSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type Socket } from 'node:net';
import { type Readable, Transform } from 'node:stream';
import { ZodError } from 'zod';
import { Ds01Error } from '../errors.js';
import type { Logger } from '../log.js';
import { type PeerCred, peerCred } from '../native/libc.js';
import { ConnectionCaps, type ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from './connections.js';
import { type Caller, type Reply, Router, type UpgradeRoute } from './router.js';
import { sendSse } from './sse.js';
import { type ErrorBody, type ErrorCode, statusFor } from './types/errors.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiServerOptions {
  router: Router;
  resolveCaller: (cred: PeerCred) => Promise<Caller | null>;
  log: Logger;
  /** Called for every refused request (audit). */
  onDenied?: (caller: Caller, code: ErrorCode, method: string, path: string, message: string) => void;
  onRequest?: (method: string, route: string, status: number) => void;
  /** HTTP Upgrade endpoints (the interactive shell); same identity rule as every request. */
  upgrades?: UpgradeRoute[];
  /** Connection caps (settings): per uid (root exempt), in all, and the part of `total` kept for admins. */
  connections?: ConnectionLimits;
  /**
   * Checked on every request once the caller is known, before routing (the web socket's Host, Origin
   * and CSRF rules): a refusal is answered as that error and audited like any FORBIDDEN.
   */
  guard?: (req: IncomingMessage, caller: Caller) => [ErrorCode, string, string?] | null;
  /** Headers added to every response (the web socket's security headers). */
  headers?: Record<string, string>;
  /** Headers for one answer once its caller is known (unread notices); a failure only loses them. */
  answerHeaders?: (req: IncomingMessage, caller: Caller) => Record<string, string> | undefined;
  /** Test hook: read credentials differently (never used in production). */
  readCred?: (socket: Socket) => PeerCred | null;
}

export interface ListenTarget {
  path?: string;
  fd?: number; // systemd socket activation
  mode?: number;
  group?: { gid: number } | null;
}

function socketFd(socket: Socket): number {
  return (socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
}

export class ApiServer {
  readonly http: http.Server;
  private readonly creds = new WeakMap<Socket, PeerCred>();
  private readonly open = new Set<Socket>();
  private readonly connections: ConnectionCaps;
  private readonly upgradeRouter: Router<UpgradeRoute>;

  constructor(private readonly opts: ApiServerOptions) {
    this.upgradeRouter = new Router<UpgradeRoute>(opts.upgrades ?? []);
    this.connections = new ConnectionCaps(opts.connections ?? DEFAULT_CONNECTION_LIMITS, opts.log);
    this.http = http.createServer({
      maxHeaderSize: 16 * 1024,
      requestTimeout: 30_000, // whole request (headers + body) must arrive within this
      headersTimeout: 10_000, // slowloris: headers trickled in too slowly
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 1_000,
    });
    // ds01's own cap (onConnection) answers with a reason; Node's silent one is only a backstop.
    this.http.maxConnections = this.connections.limits.total + 64;
    this.http.on('connection', (socket: Socket) => this.onConnection(socket));
    this.http.on('request', (req, res) => {
      this.handle(req, res).catch((err) => {
        opts.log.error('request handler crashed', { err });
        if (!res.headersSent) this.sendError(res, 'INTERNAL', 'internal error');
        else res.destroy();
      });
    });
    this.http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      this.handleUpgrade(req, socket, head).catch((err) => {
        opts.log.error('upgrade handler crashed', { err: String((err as Error)?.stack ?? err) });
        socket.destroy();
      });
    });
    this.http.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable) return socket.destroy();
      const code =
        err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      const body = JSON.stringify({
        error: {
          code: code === 408 ? 'REQUEST_TIMEOUT' : 'BAD_REQUEST',
          message: `malformed or slow request (${err.code ?? 'parse error'})`,
        },
      });
      socket.end(
        `HTTP/1.1 ${code} ${http.STATUS_CODES[code]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
  }

  private onConnection(socket: Socket) {
    const cred = this.opts.readCred ? this.opts.readCred(socket) : peerCred(socketFd(socket));
    if (!cred) {
      // No kernel-verified identity, no service.
      this.opts.log.warn('refused a connection whose credentials could not be read');
      socket.destroy();
      return;
    }
    if (!this.connections.admit(socket, cred.uid, this.open.size)) return;
    this.creds.set(socket, cred);
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
  }

  async listen(target: ListenTarget): Promise<void> {
    if (target.fd !== undefined) {
      await new Promise<void>((resolve, reject) => {
        this.http.once('error', reject);
        this.http.listen({ fd: target.fd }, () => resolve());
      });
      return;
    }
    const path = target.path;
    if (!path) throw new Error('listen needs a socket path or fd');
    await removeStaleSocket(path);
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(path, () => resolve());
    });
    if (target.group) {
      chownSync(path, 0, target.group.gid);
      chmodSync(path, target.mode ?? 0o660);
    } else chmodSync(path, target.mode ?? 0o666);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeIdleConnections();
    // Followers hold their connection open: end them so shutdown is prompt.
    setTimeout(() => {
      for (const s of this.open) s.destroy();
    }, 2000).unref();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const started = Date.now();
    const method = req.method ?? 'GET';
    let routeName = 'unmatched';
    res.on('finish', () => this.opts.onRequest?.(method, routeName, res.statusCode));
    void started;
    for (const [k, v] of Object.entries(this.opts.headers ?? {})) res.setHeader(k, v);
    const cred = this.creds.get(req.socket);
    if (!cred) return this.sendError(res, 'UNAUTHENTICATED', 'connection has no verified identity');
    const caller = await this.opts.resolveCaller(cred).catch(() => null);
    if (!caller) {
      return this.sendError(
        res,
        'UNAUTHENTICATED',
        `uid ${cred.uid} has no account on this host`,
        'ask an admin to check NSS/LDAP for your user',
      );
    }
    const reserved = this.connections.reserveRefusal(req.socket, caller, this.open.size);
    if (reserved) {
      res.setHeader('Connection', 'close');
      return this.sendError(res, ...reserved);
    }

    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://ds01');
    } catch {
      return this.sendError(res, 'BAD_REQUEST', 'malformed request target');
    }
    const refused = this.opts.guard?.(req, caller);
    if (refused) {
      this.opts.onDenied?.(caller, refused[0], method, url.pathname, refused[1]);
      return this.sendError(res, ...refused);
    }
    try {
      for (const [k, v] of Object.entries(this.opts.answerHeaders?.(req, caller) ?? {})) res.setHeader(k, v);
    } catch (err) {
      this.opts.log.warn('answer headers failed; answering without them', { err: String(err) });
    }
    const found = this.opts.router.match(method, url.pathname);
    if (found === null) {
      return this.sendError(
        res,
        'NOT_FOUND',
        `no such endpoint: ${method} ${url.pathname}`,
        'the API lives under /v1; see README',
      );
    }
    if (found === 'method') {
      return this.sendError(res, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}`);
    }
    const { route, params } = found;
    routeName = `${route.method} ${route.path}`;
    const abort = new AbortController();
    res.on('close', () => abort.abort());

    try {
      if (route.admin && !caller.admin) {
        throw new Ds01Error(
          'FORBIDDEN',
          `${route.method} ${route.path} is for ds01 admins`,
          'ask an admin, or see `ds01 whoami`',
        );
      }
      let body: unknown;
      let rawStream: Readable | undefined;
      if (route.raw) {
        // An upload may be refused before it is read to its end: the connection closes after the answer.
        res.setHeader('Connection', 'close');
        if (Number(req.headers['content-length'] ?? 0) > route.raw.maxBytes)
          throw new Ds01Error('PAYLOAD_TOO_LARGE', `request body over ${route.raw.maxBytes} bytes`);
        rawStream = limitedBody(req, route.raw.maxBytes);
      }
      const raw = route.raw ? Buffer.alloc(0) : await readBody(req);
      if (route.body) {
        let parsed: unknown = {};
        if (raw.length) {
          const ct = req.headers['content-type'] ?? 'application/json';
          if (!/^application\/json\b/i.test(ct)) {
            throw new Ds01Error(
              'UNSUPPORTED_MEDIA_TYPE',
              `send JSON (content-type application/json), not ${ct}`,
            );
          }
          try {
            parsed = JSON.parse(raw.toString('utf8'));
          } catch (e) {
            throw new Ds01Error('BAD_REQUEST', `request body is not valid JSON: ${(e as Error).message}`);
          }
        }
        body = route.body.parse(parsed);
      } else if (raw.length) {
        throw new Ds01Error('BAD_REQUEST', `${route.method} ${route.path} takes no request body`);
      }
      const reply = await route.handler({
        caller,
        params,
        query: url.searchParams,
        body,
        signal: abort.signal,
        req,
        ...(rawStream ? { raw: rawStream } : {}),
      });
      await this.send(res, reply, abort.signal);
    } catch (err) {
      if (err instanceof Ds01Error) {
        if (err.code === 'FORBIDDEN')
          this.opts.onDenied?.(caller, err.code, method, url.pathname, err.message);
        if (statusFor(err.code) >= 500)
          this.opts.log.error('request failed', { route: routeName, code: err.code, message: err.message });
        return this.sendError(res, err.code, err.message, err.hint, err.details);
      }
      if (err instanceof ZodError) {
        const issues = err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
        const first = issues[0];
        return this.sendError(
          res,
          'VALIDATION_FAILED',
          `invalid request: ${first ? `${first.path || 'body'}: ${first.message}` : 'bad body'}`,
          undefined,
          issues,
        );
      }
      this.opts.log.error('unexpected error', {
        route: routeName,
        err: (err as Error)?.stack ?? String(err),
      });
      return this.sendError(res, 'INTERNAL', 'internal error; the daemon logged the details');
    }
  }

  /** An Upgrade request: identity, route, authorisation and preparation, then 101 and the raw stream. */
  private async handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer) {
    const method = req.method ?? 'GET';
    let routeName = 'unmatched';
    const fail = (code: ErrorCode, message: string, hint?: string, details?: unknown) => {
      const status = statusFor(code);
      this.opts.onRequest?.(method, routeName, status);
      const text = JSON.stringify({
        error: { code, message, ...(hint ? { hint } : {}), ...(details ? { details } : {}) },
      });
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
    };
    const cred = this.creds.get(req.socket);
    if (!cred) return fail('UNAUTHENTICATED', 'connection has no verified identity');
    const caller = await this.opts.resolveCaller(cred).catch(() => null);
    if (!caller) return fail('UNAUTHENTICATED', `uid ${cred.uid} has no account on this host`);
    const reserved = this.connections.reserveRefusal(req.socket, caller, this.open.size);
    if (reserved) return fail(...reserved);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://ds01');
    } catch {
      return fail('BAD_REQUEST', 'malformed request target');
    }
    const found = this.upgradeRouter.match(method, url.pathname);
    if (found === null) return fail('NOT_FOUND', `no upgrade endpoint: ${method} ${url.pathname}`);
    if (found === 'method') return fail('METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}`);
    const { route, params } = found;
    routeName = `UPGRADE ${route.method} ${route.path}`;
    const proto = String(req.headers.upgrade ?? '').toLowerCase();
    if (proto !== route.protocol) {
      return fail('BAD_REQUEST', `${route.path} needs "Upgrade: ${route.protocol}" (got "${proto}")`);
    }
    let run: Awaited<ReturnType<UpgradeRoute['handler']>>;
    try {
      run = await route.handler({ caller, params, query: url.searchParams, req });
    } catch (err) {
      if (err instanceof Ds01Error) {
        if (err.code === 'FORBIDDEN')
          this.opts.onDenied?.(caller, err.code, method, url.pathname, err.message);
        return fail(err.code, err.message, err.hint, err.details);
      }
      if (err instanceof ZodError) {
        const first = err.issues[0];
        return fail(
          'VALIDATION_FAILED',
          `invalid request: ${first ? `${first.path.join('.') || 'query'}: ${first.message}` : 'bad query'}`,
        );
      }
      this.opts.log.error('unexpected error', {
        route: routeName,
        err: (err as Error)?.stack ?? String(err),
      });
      return fail('INTERNAL', 'internal error; the daemon logged the details');
    }
    this.opts.onRequest?.(method, routeName, 101);
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${route.protocol}\r\n\r\n`,
    );
    run(socket, head);
  }

  private async send(res: ServerResponse, reply: Reply, signal: AbortSignal) {
    if ('ndjson' in reply) {
      res.writeHead(reply.status ?? 200, {
        'Content-Type': 'application/x-ndjson',
        'Cache-Control': 'no-cache',
      });
      res.flushHeaders();
      for await (const item of reply.ndjson) {
        if (signal.aborted) break;
        if (!res.write(`${JSON.stringify(item)}\n`)) await new Promise((r) => res.once('drain', r));
      }
      res.end();
      return;
    }
    if ('sse' in reply) return sendSse(res, reply.sse, signal);
    if ('body' in reply) {
      res.writeHead(reply.status ?? 200, {
        'Content-Type': reply.type,
        'Content-Length': Buffer.byteLength(reply.body),
      });
      res.end(reply.body);
      return;
    }
    if (!('json' in reply)) {
      res.writeHead(reply.status);
      res.end();
      return;
    }
    const body = JSON.stringify(reply.json);
    res.writeHead(reply.status ?? 200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  private sendError(res: ServerResponse, code: ErrorCode, message: string, hint?: string, details?: unknown) {
    const body: ErrorBody = {
      error: { code, message, ...(hint ? { hint } : {}), ...(details ? { details } : {}) },
    };
    const text = JSON.stringify(body);
    if (res.headersSent) return res.destroy();
    res.writeHead(statusFor(code), {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      return reject(new Ds01Error('PAYLOAD_TOO_LARGE', `request body over ${MAX_BODY_BYTES} bytes`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(new Ds01Error('PAYLOAD_TOO_LARGE', `request body over ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The request body as a stream that errors PAYLOAD_TOO_LARGE once more than `max` bytes came in. */
export function limitedBody(req: IncomingMessage, max: number): Readable {
  const tooLarge = () => new Ds01Error('PAYLOAD_TOO_LARGE', `request body over ${max} bytes`);
  let size = 0;
  const out = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      done(size > max ? tooLarge() : null, size > max ? undefined : chunk);
    },
  });
  req.on('error', (err) => out.destroy(err));
  req.on('aborted', () => out.destroy(new Ds01Error('BAD_REQUEST', 'the client stopped sending')));
  return req.pipe(out);
}

/** A socket file left by a crashed daemon is removed; a live daemon on it is not stolen from. */
async function removeStaleSocket(path: string) {
  if (!existsSync(path)) return;
  if (!lstatSync(path).isSocket())
    throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  const alive = await new Promise<boolean>((resolve) => {
    const c = net.connect(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another daemon is already serving ${path}`);
  unlinkSync(path);
}

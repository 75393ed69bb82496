// The listener other nodes' ds01d talk to (docs/cluster.md, "Between nodes"): HTTP on `cluster_listen`,
// GET only, a short allow-list of routes, and no identity but munge's: each request carries a credential
// whose payload names this node, the method and the exact path; the uid is what this node's munged read
// from it, resolved with this node's NSS and policy like a local caller. A credential is good for one
// request (munged refuses a replay) and a minute. Refusals are audited like the API socket's.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { ZodError } from 'zod';
import { checkPeer, PEER_HEADER, parseUnmunge } from '../cluster/peer-auth.js';
import { Ds01Error } from '../errors.js';
import type { Logger } from '../log.js';
import type { PeerCred } from '../native/libc.js';
import type { Munge } from '../slurm/munge.js';
import { type Caller, type Route, Router } from './router.js';
import { type ErrorCode, statusFor } from './types/errors.js';

export interface PeerServerOptions {
  nodeName: string;
  munge: Pick<Munge, 'decode'>;
  resolveCaller: (cred: PeerCred) => Promise<Caller | null>;
  routes: Route[];
  log: Logger;
  onDenied?: (caller: Caller, code: ErrorCode, method: string, path: string, message: string) => void;
}

/** Requests in flight at once (each runs unmunge before anything else): more are told to come back. */
export const MAX_PEER_IN_FLIGHT = 32;

export class PeerServer {
  readonly http: http.Server;
  private readonly router: Router;
  private inFlight = 0;

  constructor(private readonly o: PeerServerOptions) {
    for (const r of o.routes)
      if (r.method !== 'GET' || r.body || r.raw)
        throw new Error(`peer route ${r.path}: GET without a body only`);
    this.router = new Router(o.routes);
    this.http = http.createServer({
      maxHeaderSize: 16 * 1024,
      requestTimeout: 20_000,
      headersTimeout: 10_000,
    });
    this.http.maxConnections = MAX_PEER_IN_FLIGHT * 2;
    this.http.on('request', (req, res) => {
      if (this.inFlight >= MAX_PEER_IN_FLIGHT)
        return send(res, 503, { error: { code: 'UNAVAILABLE', message: 'busy; try again' } });
      this.inFlight++;
      this.handle(req, res)
        .catch((err) => {
          o.log.error('peer request crashed', { err: String((err as Error)?.stack ?? err) });
          send(res, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
        })
        .finally(() => this.inFlight--);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fail = (code: ErrorCode, message: string, hint?: string) =>
      send(res, statusFor(code), { error: { code, message, ...(hint ? { hint } : {}) } });
    const method = req.method ?? '';
    const path = req.url ?? '/';
    if (method !== 'GET') return fail('METHOD_NOT_ALLOWED', 'only GET between nodes');
    const cred = req.headers[PEER_HEADER];
    if (typeof cred !== 'string') return fail('UNAUTHENTICATED', 'no munge credential');
    const text = await this.o.munge.decode(cred).catch(() => '');
    const u = parseUnmunge(text);
    const checked = u
      ? checkPeer(u, { node: this.o.nodeName, method: 'GET', path })
      : { ok: false as const, problem: 'munge could not read the credential' };
    if (!checked.ok) {
      this.o.log.warn('refused a request from another node', { problem: checked.problem, path });
      return fail('UNAUTHENTICATED', checked.problem);
    }
    const caller = await this.o
      .resolveCaller({ uid: checked.uid, gid: checked.gid, pid: 0 })
      .catch(() => null);
    if (!caller) return fail('UNAUTHENTICATED', `uid ${checked.uid} has no account on ${this.o.nodeName}`);
    const url = new URL(path, 'http://peer');
    const found = this.router.match('GET', url.pathname);
    if (!found || found === 'method')
      return fail('NOT_FOUND', `${url.pathname} is not served to other nodes`);
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    try {
      if (found.route.admin && !caller.admin)
        throw new Ds01Error('FORBIDDEN', `${found.route.path} is for ds01 admins`);
      const reply = await found.route.handler({
        caller,
        params: found.params,
        query: url.searchParams,
        body: undefined,
        signal: abort.signal,
        req,
      });
      if (!('json' in reply)) throw new Error(`peer route ${found.route.path} must answer JSON`);
      send(res, reply.status ?? 200, reply.json);
    } catch (err) {
      if (err instanceof Ds01Error) {
        if (err.code === 'FORBIDDEN') this.o.onDenied?.(caller, err.code, 'GET', url.pathname, err.message);
        return fail(err.code, err.message, err.hint);
      }
      if (err instanceof ZodError)
        return fail('VALIDATION_FAILED', `invalid request: ${err.issues[0]?.message ?? 'bad query'}`);
      throw err;
    }
  }

  listen(hostPort: string): Promise<void> {
    const colon = hostPort.lastIndexOf(':');
    const host = hostPort.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(Number(hostPort.slice(colon + 1)), host, () => resolve());
    });
  }

  close(): Promise<void> {
    this.http.closeAllConnections();
    return new Promise((resolve) => this.http.close(() => resolve()));
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.destroy();
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

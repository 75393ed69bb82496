// A route table: method + path pattern → handler. Handlers get the caller (from the kernel), path
// params, query and a validated body; they return data or throw a Ds01Error. They never touch sockets.
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { z } from 'zod';
import type { Caller } from '../identity/caller.js';

export type { Caller };

export interface RequestContext<B = unknown> {
  caller: Caller;
  params: Record<string, string>;
  query: URLSearchParams;
  body: B;
  /** Aborted when the client goes away: streams and long waits must stop. */
  signal: AbortSignal;
  req: IncomingMessage;
  /** The request body as a stream, for `raw` routes only; it errors PAYLOAD_TOO_LARGE past the limit. */
  raw?: Readable;
}

/** One Server-Sent Event: `event` names it, `data` is sent as JSON. */
export interface SseMessage {
  event: string;
  data?: unknown;
}

/**
 * What a handler returns: JSON, an NDJSON stream, a Server-Sent Events stream, a fixed body of a given
 * type (the web page and its assets), or a raw upgrade handled elsewhere.
 */
export type Reply =
  | { status?: number; json: unknown }
  | { status?: number; ndjson: AsyncIterable<unknown> }
  | { sse: AsyncIterable<SseMessage> }
  | { status?: number; body: string | Buffer; type: string }
  | { status: 204 };

export interface Route<S extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string; // e.g. /v1/containers/:ref
  body?: S;
  /** Take the body as a stream (uploads) instead of JSON; the server enforces `maxBytes` as it flows. */
  raw?: { maxBytes: number };
  admin?: boolean;
  handler: (ctx: RequestContext<z.infer<S>>) => Promise<Reply> | Reply;
}

export function route<S extends z.ZodType>(r: Route<S>): Route {
  return r as unknown as Route;
}

/**
 * An HTTP Upgrade endpoint (the interactive shell): the handler authorises and prepares, then returns
 * what runs on the raw socket once the server has answered 101. Errors thrown before that become the
 * usual JSON error response.
 */
export interface UpgradeRoute {
  method: 'GET' | 'POST';
  path: string;
  /** The Upgrade token clients must send, e.g. `tcp`. */
  protocol: string;
  handler: (ctx: Omit<RequestContext, 'body' | 'signal'>) => Promise<UpgradeRun>;
}
export type UpgradeRun = (socket: Duplex, head: Buffer) => void;

interface Compiled<R> {
  route: R;
  segments: string[];
}

export class Router<R extends { method: string; path: string } = Route> {
  private readonly compiled: Compiled<R>[];

  constructor(readonly routes: readonly R[]) {
    this.compiled = routes.map((r) => ({ route: r, segments: r.path.split('/').filter(Boolean) }));
  }

  /** The matching route, 'method' if the path exists under another method, or null. */
  match(method: string, pathname: string): { route: R; params: Record<string, string> } | 'method' | null {
    const parts = pathname.split('/').filter(Boolean);
    let pathMatched = false;
    for (const c of this.compiled) {
      const params = matchSegments(c.segments, parts);
      if (!params) continue;
      pathMatched = true;
      if (c.route.method === method) return { route: c.route, params };
    }
    return pathMatched ? 'method' : null;
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    let v: string;
    try {
      v = decodeURIComponent(parts[i] as string);
    } catch {
      return null;
    }
    if (p.startsWith(':')) {
      // A parameter is one plain segment: no separators, no dot-segments, no control characters.
      if (!v || v === '.' || v === '..' || /[/\\\0-\x1f]/.test(v) || v.length > 256) return null;
      params[p.slice(1)] = v;
    } else if (p !== v) return null;
  }
  return params;
}

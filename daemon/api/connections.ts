// Connection caps for the API socket (issue 13): one user holding thousands of idle connections must not
// lock everyone out. Each uid (root exempt) may hold `perUser` at once; past `total - adminReserve` a new
// connection is served only if its caller turns out to be an admin; at `total` nobody gets one. Refused
// connections are answered with the reason before they are closed.
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Caller } from '../identity/caller.js';
import type { Logger } from '../log.js';
import { type ErrorCode, statusFor } from './types/errors.js';

export interface ConnectionLimits {
  perUser: number;
  total: number;
  adminReserve: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { perUser: 64, total: 2048, adminReserve: 128 };

/**
 * Whether to take a new connection, decided from the counts alone (pure). Admin rights come from the
 * policy and are known only once the caller is resolved: hence 'admins-only', checked at its first request.
 */
export function admitConnection(
  uid: number,
  counts: { ofUid: number; all: number },
  limits: ConnectionLimits,
): 'accept' | 'admins-only' | { refuse: 'per-user' | 'total' } {
  if (counts.all >= limits.total) return { refuse: 'total' };
  if (uid !== 0 && counts.ofUid >= limits.perUser) return { refuse: 'per-user' };
  if (uid !== 0 && counts.all >= limits.total - limits.adminReserve) return 'admins-only';
  return 'accept';
}

export class ConnectionCaps {
  private readonly perUid = new Map<number, number>();
  /** Connections taken past the non-admin share: served only if their caller is an admin. */
  private readonly adminsOnly = new WeakSet<Socket>();

  constructor(
    readonly limits: ConnectionLimits,
    private readonly log: Logger,
  ) {}

  /** Count a new connection of `uid`, or answer it with the reason and close it (false). */
  admit(socket: Socket, uid: number, open: number): boolean {
    const ofUid = this.perUid.get(uid) ?? 0;
    const verdict = admitConnection(uid, { ofUid, all: open }, this.limits);
    if (typeof verdict === 'object') {
      const perUser = verdict.refuse === 'per-user';
      this.log.warn('refused a connection', { uid, open: ofUid, reason: verdict.refuse });
      refuseConnection(
        socket,
        perUser ? 'TOO_MANY_CONNECTIONS' : 'UNAVAILABLE',
        perUser
          ? `you (uid ${uid}) already have ${ofUid} connections open to ds01d; the limit is ${this.limits.perUser}`
          : `ds01d is serving its maximum of ${this.limits.total} connections`,
        perUser
          ? 'close the commands you left running (follows, shells), then try again'
          : 'try again in a moment; tell an admin if it persists',
      );
      return false;
    }
    if (verdict === 'admins-only') this.adminsOnly.add(socket);
    this.perUid.set(uid, ofUid + 1);
    socket.once('close', () => {
      const n = (this.perUid.get(uid) ?? 1) - 1;
      if (n > 0) this.perUid.set(uid, n);
      else this.perUid.delete(uid);
    });
    return true;
  }

  /** The refusal for a connection taken past the non-admin share whose caller is not an admin. */
  reserveRefusal(socket: Socket, caller: Caller, open: number): [ErrorCode, string, string] | null {
    if (caller.admin || !this.adminsOnly.has(socket)) return null;
    return [
      'UNAVAILABLE',
      `ds01d has ${open} connections open; the last ${this.limits.adminReserve} are kept for admins`,
      'try again in a moment; tell an admin if it persists',
    ];
  }
}

/** Answer a connection ds01 will not serve with a reason (before any request: clients read it), then close. */
function refuseConnection(socket: Socket, code: ErrorCode, message: string, hint: string) {
  const status = statusFor(code);
  const text = JSON.stringify({ error: { code, message, hint } });
  socket.on('error', () => undefined); // the client may be gone already
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
  setTimeout(() => socket.destroy(), 1000).unref();
}

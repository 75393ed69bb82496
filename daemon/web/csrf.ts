// CSRF tokens for the web page: minted into each page load for the connection's user, required on every
// request that changes something. Stateless: an HMAC over uid, issue time and a random nonce, with a key
// ds01d makes at start (a restart asks open pages to reload). Pure apart from the nonce source.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const CSRF_TTL_MS = 24 * 3600_000;

function mac(key: Buffer, uid: number, issuedAt: number, nonce: string): string {
  return createHmac('sha256', key).update(`ds01-web-csrf.${uid}.${issuedAt}.${nonce}`).digest('base64url');
}

/** A token for `uid`, issued at `now`. */
export function mintCsrf(
  key: Buffer,
  uid: number,
  now: number,
  nonce = randomBytes(16).toString('base64url'),
) {
  return `${now.toString(36)}.${nonce}.${mac(key, uid, now, nonce)}`;
}

/** Why `token` is not good for `uid` at `now`; null when it is. */
export function csrfProblem(key: Buffer, uid: number, token: string | undefined, now: number): string | null {
  if (!token) return 'the request carries no CSRF token';
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > 200) return 'the CSRF token is malformed';
  const [at36, nonce, sig] = parts as [string, string, string];
  const issuedAt = Number.parseInt(at36, 36);
  if (!/^[0-9a-z]{1,12}$/.test(at36) || !Number.isFinite(issuedAt)) return 'the CSRF token is malformed';
  const want = Buffer.from(mac(key, uid, issuedAt, nonce));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got))
    return 'the CSRF token is not this page’s (another user’s, or from before ds01d restarted)';
  if (now - issuedAt > CSRF_TTL_MS || issuedAt > now + 60_000) return 'the CSRF token has expired';
  return null;
}

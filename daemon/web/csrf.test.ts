import { describe, expect, it } from 'vitest';
import { CSRF_TTL_MS, csrfProblem, mintCsrf } from './csrf.js';

const key = Buffer.alloc(32, 7);
const now = 1_800_000_000_000;

describe('web CSRF tokens', () => {
  it('accepts its own token for the same user', () => {
    expect(csrfProblem(key, 1001, mintCsrf(key, 1001, now), now + 1000)).toBeNull();
  });
  it('refuses another user’s, another key’s, a tampered or an expired token', () => {
    const t = mintCsrf(key, 1001, now);
    expect(csrfProblem(key, 1002, t, now)).toMatch(/not this page/);
    expect(csrfProblem(Buffer.alloc(32, 8), 1001, t, now)).toMatch(/not this page/);
    const [at, nonce, sig] = t.split('.');
    expect(csrfProblem(key, 1001, `${at}.${nonce}x.${sig}`, now)).toMatch(/not this page/);
    expect(csrfProblem(key, 1001, `${(now + 1).toString(36)}.${nonce}.${sig}`, now)).toMatch(/not this page/);
    expect(csrfProblem(key, 1001, t, now + CSRF_TTL_MS + 1)).toMatch(/expired/);
  });
  it('says what is wrong with a missing or malformed token', () => {
    expect(csrfProblem(key, 1001, undefined, now)).toMatch(/no CSRF token/);
    expect(csrfProblem(key, 1001, 'abc', now)).toMatch(/malformed/);
    expect(csrfProblem(key, 1001, 'ZZ!.a.b', now)).toMatch(/malformed/);
  });
  it('mints a different token per page load', () => {
    expect(mintCsrf(key, 1001, now)).not.toBe(mintCsrf(key, 1001, now));
  });
});

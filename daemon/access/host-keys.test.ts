import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostKeys } from './host-keys.js';

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'ds01-hk-'));
  dirs.push(d);
  return join(d, 'ssh-host-keys');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('per-container host keys', () => {
  it('makes an ed25519 key once, private to root, and gives the same one back after a restart', () => {
    const dir = fresh();
    const a = new HostKeys(dir).get(1001, 'thesis');
    expect(a.publicKey).toMatch(/^ssh-ed25519 AAAA/);
    expect(a.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(statSync(join(dir, '1001', 'thesis.key')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    // A new daemon (no cache) reads the same key.
    expect(new HostKeys(dir).get(1001, 'thesis').publicKey).toBe(a.publicKey);
  });
  it('gives each user and name its own key', () => {
    const keys = new HostKeys(fresh());
    const a = keys.get(1001, 'thesis').publicKey;
    expect(keys.get(1002, 'thesis').publicKey).not.toBe(a);
    expect(keys.get(1001, 'other').publicKey).not.toBe(a);
  });
  it('refuses names that are not container names (no paths)', () => {
    const keys = new HostKeys(fresh());
    for (const bad of ['../x', 'a/b', '', '.hidden', 'A']) expect(() => keys.get(1001, bad)).toThrow();
    expect(() => keys.get(-1, 'x')).toThrow();
  });
});

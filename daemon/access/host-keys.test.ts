import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { describe as describeKey, HostKeys } from './host-keys.js';

// Made by ssh2's generateKeyPairSync('ed25519') (about 1 in 250 of its keys): the public key's leading
// zero byte dropped (length 0x1f), which ssh2's own parser refuses.
const MALFORMED = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMgAAAAtz
c2gtZWQyNTUxOQAAAB9AVyb2iVJ49O6G3D6rewdm1LTDY1b+i5e2IwFhk6mEAAAA
iAX2vAUF9rwFAAAAC3NzaC1lZDI1NTE5AAAAH0BXJvaJUnj07obcPqt7B2bUtMNj
Vv6Ll7YjAWGTqYQAAAA/aTPQiV7PNGP7xGo8t+dPQns+40/obUqs2er/2KR/ZchA
Vyb2iVJ49O6G3D6rewdm1LTDY1b+i5e2IwFhk6mEAAAAAAECAwQFBgc=
-----END OPENSSH PRIVATE KEY-----
`;
const good = () => ssh2.utils.generateKeyPairSync('ed25519').private;

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
  it("keeps only a key that parses: ssh2's occasional malformed key is made again", () => {
    expect(() => describeKey(MALFORMED)).toThrow(/Malformed/);
    const made: string[] = [];
    const keys = new HostKeys(fresh(), () => {
      const pem = made.length < 2 ? MALFORMED : good();
      made.push(pem);
      return pem;
    });
    const k = keys.get(1001, 'thesis');
    expect(made).toHaveLength(3);
    expect(k.privateKey).toBe(made[2]);
    expect(describeKey(k.privateKey).publicKey).toBe(k.publicKey);
  });
  it('replaces a kept key that does not parse (never served, so no laptop knows it), keeps a good one', () => {
    const dir = fresh();
    mkdirSync(join(dir, '1001'), { recursive: true });
    writeFileSync(join(dir, '1001', 'broken.key'), MALFORMED, { mode: 0o600 });
    const k = new HostKeys(dir).get(1001, 'broken');
    expect(k.publicKey).toMatch(/^ssh-ed25519 AAAA/);
    expect(readFileSync(join(dir, '1001', 'broken.key'), 'utf8')).toBe(k.privateKey);
    expect(new HostKeys(dir).get(1001, 'broken').publicKey).toBe(k.publicKey);
  });
  it('says so when no usable key can be made', () => {
    expect(() => new HostKeys(fresh(), () => MALFORMED).get(1001, 'thesis')).toThrow(
      /no usable ed25519 host key/,
    );
  });
});

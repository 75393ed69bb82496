import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LABEL_KEY_FILE, LabelSigner, loadOrCreateLabelKey, SIGNATURE_LABEL } from './label-signature.js';

const key = Buffer.alloc(32, 7);
const labels = {
  'ds01.owner.uid': '1001',
  'ds01.owner.name': 'alice',
  'ds01.project': 'p',
  'ds01.gpu.slots': 'MIG-1',
};

describe('LabelSigner', () => {
  const s = new LabelSigner(key);
  const signed = { ...labels, [SIGNATURE_LABEL]: s.sign(labels, 'p._.1001') };

  it('verifies what it signed, for that Docker name only', () => {
    expect(s.verify(signed, 'p._.1001')).toBe(true);
    expect(s.verify(signed, '/p._.1001')).toBe(true);
    expect(s.verify(signed, 'brave_turing')).toBe(false); // a build step's container
  });

  it('any change to an ownership label, or another key, breaks it', () => {
    for (const [k, v] of Object.entries({
      'ds01.owner.uid': '1002',
      'ds01.owner.name': 'bob',
      'ds01.project': 'q',
      'ds01.gpu.slots': 'MIG-2',
    }))
      expect([k, s.verify({ ...signed, [k]: v }, 'p._.1001')]).toEqual([k, false]);
    expect(new LabelSigner(Buffer.alloc(32, 8)).verify(signed, 'p._.1001')).toBe(false);
    expect(s.verify(labels, 'p._.1001')).toBe(false);
    expect(s.verify({ ...signed, [SIGNATURE_LABEL]: 'v1:00' }, 'p._.1001')).toBe(false);
  });
});

describe('loadOrCreateLabelKey', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('makes a 0600 key once and reads the same key after', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds01-key-'));
    dirs.push(dir);
    const a = loadOrCreateLabelKey(dir);
    expect(statSync(join(dir, LABEL_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(loadOrCreateLabelKey(dir).equals(a)).toBe(true);
    expect(a.length).toBe(32);
  });

  it('tightens a key file others could read, and refuses one that is not a key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds01-key-'));
    dirs.push(dir);
    const path = join(dir, LABEL_KEY_FILE);
    writeFileSync(path, 'ab'.repeat(32));
    chmodSync(path, 0o644);
    loadOrCreateLabelKey(dir);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    writeFileSync(path, 'not a key');
    expect(() => loadOrCreateLabelKey(dir)).toThrow(/not a ds01 label key/);
  });
});

import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JupyterTokens } from './jupyter-tokens.js';

const ID = 'a'.repeat(64);
const TOKEN = 'b'.repeat(48);
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('JupyterTokens', () => {
  it('keeps a token across instances (a daemon restart), root-only, for the same run of the container', () => {
    dir = mkdtempSync(join(tmpdir(), 'ds01-jt-'));
    const store = join(dir, 'jupyter');
    new JupyterTokens(store).set(ID, 8888, 42, TOKEN);
    const again = new JupyterTokens(store);
    expect(again.get(ID, 8888, 42)).toBe(TOKEN);
    expect(again.get(ID, 8889, 42)).toBeNull();
    expect(statSync(store).mode & 0o777).toBe(0o700);
    expect(statSync(join(store, `${ID}-8888.json`)).mode & 0o777).toBe(0o600);
    // The container restarted (another init pid): the token is stale and forgotten.
    expect(again.get(ID, 8888, 43)).toBeNull();
    expect(readdirSync(store)).toEqual([]);
  });

  it('prune removes the tokens of gone containers and half-written files, and keeps the live ones', () => {
    dir = mkdtempSync(join(tmpdir(), 'ds01-jt-'));
    const t = new JupyterTokens(dir);
    const gone = 'c'.repeat(64);
    t.set(ID, 8888, 1, TOKEN);
    t.set(gone, 8888, 1, TOKEN);
    t.set(gone, 8890, 1, TOKEN);
    writeFileSync(join(dir, `${ID}-8889.json.tmp`), '{');
    expect(t.prune((id) => id === ID)).toBe(3);
    expect(readdirSync(dir)).toEqual([`${ID}-8888.json`]);
    expect(t.get(ID, 8888, 1)).toBe(TOKEN);
    expect(new JupyterTokens(join(dir, 'never-made')).prune(() => false)).toBe(0);
  });

  it('refuses keys that are not a Docker id and a port', () => {
    dir = mkdtempSync(join(tmpdir(), 'ds01-jt-'));
    const t = new JupyterTokens(dir);
    expect(() => t.set('../etc', 8888, 1, TOKEN)).toThrow();
    expect(t.get('../x', 8888, 1)).toBeNull();
  });
});

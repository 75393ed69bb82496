import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../identity/caller.js';
import { Store } from '../store/index.js';
import { ContainerQueries } from './containers-read.js';

let dir: string;
let store: Store;
let q: ContainerQueries;
const who = (uid: number, admin = false): Caller => ({
  uid,
  gid: uid,
  pid: 1,
  name: `u${uid}`,
  home: '/',
  groups: [],
  admin,
});
const add = (id: string, project: string, uid: number) =>
  store.containers.insert({
    id,
    name: `${project}._.${uid}`,
    project,
    owner_uid: uid,
    owner_name: `u${uid}`,
    image: 'img',
    state: 'running',
    created_at: 1,
  });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds01-resolve-'));
  store = Store.open(join(dir, 'ds01.db'));
  q = new ContainerQueries(store);
  add('a'.repeat(64), 'thesis', 1001);
  add('b'.repeat(64), 'thesis', 1002);
  add('c'.repeat(64), 'vision', 1002);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ContainerQueries.resolve', () => {
  it('a user names their own container by project, Docker name or id prefix', () => {
    expect(q.resolve(who(1001), 'thesis').id).toBe('a'.repeat(64));
    expect(q.resolve(who(1001), 'thesis._.1001').id).toBe('a'.repeat(64));
    expect(q.resolve(who(1001), 'aaaaaaaaaaaa').id).toBe('a'.repeat(64));
  });

  it("another user's container is refused by Docker name or id, and invisible by project name", () => {
    expect(() => q.resolve(who(1001), 'vision._.1002')).toThrow(/not yours/);
    expect(() => q.resolve(who(1001), 'c'.repeat(64))).toThrow(/not yours/);
    expect(() => q.resolve(who(1001), 'vision')).toThrow(/not found/);
  });

  it('an admin may use a project name when one user has it, and is asked to be precise otherwise', () => {
    expect(q.resolve(who(0, true), 'vision').id).toBe('c'.repeat(64));
    expect(() => q.resolve(who(0, true), 'thesis')).toThrow(
      /matches 2 containers \(thesis\._\.1001, thesis\._\.1002\)/,
    );
    expect(q.resolve(who(0, true), 'thesis._.1002').id).toBe('b'.repeat(64));
  });
});

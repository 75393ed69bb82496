import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migSlot } from '../../testing/kits/gpu-test-kit.js';
import type { Caller } from '../identity/caller.js';
import { LATEST_FOR_SQL } from '../store/events.js';
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

describe('ContainerQueries.listJson (kept while the store is unchanged)', () => {
  const parsed = (c: Caller, all = false) => JSON.parse(q.listJson(c, { all }));

  it('answers what list() answers, per caller: a user never gets the admin view kept for everyone', () => {
    expect(parsed(who(0, true), true)).toEqual(q.list(who(0, true), { all: true }));
    expect(parsed(who(1002))).toEqual(q.list(who(1002)));
    expect(parsed(who(1002)).map((c: { name: string }) => c.name)).toEqual(['thesis', 'vision']);
    expect(parsed(who(1001)).map((c: { name: string }) => c.name)).toEqual(['thesis']);
    // A user asking for "all" sees their own, even right after an admin's "all" was kept.
    expect(parsed(who(1001), true).map((c: { name: string }) => c.name)).toEqual(['thesis']);
  });

  it("is computed again after this daemon's writes: containers, their state, their GPUs", () => {
    const admin = who(0, true);
    expect(parsed(admin, true)).toHaveLength(3);
    add('d'.repeat(64), 'nlp', 1001);
    expect(parsed(admin, true)).toHaveLength(4);
    store.containers.markState('d'.repeat(64), 'exited', 5);
    expect(parsed(admin, true).find((c: { id: string }) => c.id === 'd'.repeat(64)).state).toBe('exited');
    store.tx(() => store.slots.sync([migSlot(0, 0)], new Map(), 1));
    store.allocations.insert({
      slot_uuid: 'MIG-0-0',
      container_id: 'a'.repeat(64),
      owner_uid: 1001,
      allocated_at: 1,
    });
    expect(parsed(who(1001))[0].gpuSlots).toEqual([{ uuid: 'MIG-0-0', profile: '1g.10gb', state: 'active' }]);
  });

  it("is computed again after another connection's commit (an admin's sqlite3)", () => {
    expect(parsed(who(1001))).toHaveLength(1);
    const other = new Database(join(dir, 'ds01.db'));
    try {
      other
        .prepare("UPDATE containers SET state = 'exited' WHERE project = 'thesis' AND owner_uid = 1001")
        .run();
    } finally {
      other.close();
    }
    expect(parsed(who(1001))[0].state).toBe('exited');
  });

  it('keeps nothing inside a transaction that then rolls back', () => {
    expect(parsed(who(1001))[0].state).toBe('running');
    expect(() =>
      store.tx(() => {
        store.containers.markState('a'.repeat(64), 'exited', 5);
        expect(parsed(who(1001))[0].state).toBe('exited');
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(parsed(who(1001))[0].state).toBe('running');
  });
});

describe('who stopped a container (container-list, container why)', () => {
  const stopped = (id: string, actorUid: number, actorName: string, reason: string) =>
    store.events.append({
      ts: 10,
      actorUid,
      actorName,
      subjectUid: 1002,
      containerId: id,
      containerName: 'vision._.1002',
      kind: 'container.stopped',
      reason,
      data: null,
    });

  it("names the latest stop by someone else than the owner, and nothing for the owner's own", () => {
    const id = 'c'.repeat(64);
    store.containers.markState(id, 'exited', 5);
    stopped(id, 0, 'root', 'maintenance');
    // Other containers' events after it do not hide it.
    for (let i = 0; i < 50; i++) stopped('d'.repeat(64), 0, 'root', 'other');
    expect(q.list(who(1002)).find((c) => c.id === id)?.stopReason).toBe('by root: maintenance');
    stopped(id, 1002, 'u1002', 'stopped');
    expect(q.list(who(1002)).find((c) => c.id === id)?.stopReason).toBeNull();
  });

  it('is found through the container index, not a walk back through the audit log', () => {
    const db = new Database(join(dir, 'ds01.db'), { readonly: true });
    try {
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${LATEST_FOR_SQL}`).all('x', 'container.stopped') as {
        detail: string;
      }[];
      expect(plan.map((p) => p.detail).join('; ')).toMatch(/USING INDEX events_container_kind/);
    } finally {
      db.close();
    }
  });
});

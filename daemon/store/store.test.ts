import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withRawDb } from '../../testing/kits/raw-db.js';
import { migrate, openDatabase, schemaVersion } from './db.js';
import { Store } from './index.js';
import { LATEST_VERSION } from './migrations/index.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds01-store-'));
  store = Store.open(join(dir, 'ds01.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const slot = (uuid: string, gpuIndex = 0) => ({
  uuid,
  parentUuid: 'GPU-aaaa',
  gpuIndex,
  kind: 'mig' as const,
  profile: '1g.10gb',
  migDeviceIndex: 0,
  gi: 7,
  ci: 0,
  memoryMiB: 9856,
  computeSlices: 1,
  gpuEquivalents: 1 / 7,
});

describe('migrations', () => {
  it('brings a new file to the latest version with WAL and foreign keys on', () => {
    expect(store.schemaVersion()).toBe(LATEST_VERSION);
    withRawDb(store, (db) => {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    });
  });

  it('are idempotent across reopen', () => {
    store.close();
    const again = Store.open(join(dir, 'ds01.db'));
    expect(again.schemaVersion()).toBe(LATEST_VERSION);
    withRawDb(again, (db) => expect(migrate(db)).toBe(LATEST_VERSION));
    again.close();
  });

  it('refuse a database newer than the code', () => {
    withRawDb(store, (db) => db.pragma(`user_version = ${LATEST_VERSION + 1}`));
    store.close();
    expect(() => openDatabase(join(dir, 'ds01.db'))).toThrow(/newer than this ds01/);
  });

  it('005 adds usage_rollups, one row per container and hour', () => {
    store.tx(() => store.samples.prune(0, { busyThresholdPct: 5, maxGapMs: 1, keepAfter: 0 }));
    withRawDb(store, (db) => {
      db.prepare('INSERT INTO usage_rollups VALUES (?, ?, ?, ?)').run('c', 0, 1, 0);
      expect(() => db.prepare('INSERT INTO usage_rollups VALUES (?, ?, ?, ?)').run('c', 0, 1, 0)).toThrow(
        /UNIQUE|PRIMARY/,
      );
    });
  });

  it('apply later migrations in order, each once', () => {
    const db = openDatabase(join(dir, 'other.db'), {
      migrations: [
        { version: 1, name: 'a', sql: 'CREATE TABLE t (x INTEGER)' },
        { version: 2, name: 'b', sql: 'ALTER TABLE t ADD COLUMN y INTEGER' },
      ],
    });
    expect(schemaVersion(db)).toBe(2);
    db.close();
  });
});

describe('allocations', () => {
  it('the database forbids two live allocations of one slot', () => {
    store.tx(() => store.slots.sync([slot('MIG-1')], new Map(), 1));
    store.allocations.insert({ slot_uuid: 'MIG-1', container_id: null, owner_uid: 1000, allocated_at: 1 });
    expect(() =>
      store.allocations.insert({ slot_uuid: 'MIG-1', container_id: null, owner_uid: 1001, allocated_at: 2 }),
    ).toThrow(/UNIQUE/);
  });

  it('a released slot can be allocated again; a held one cannot', () => {
    store.tx(() => store.slots.sync([slot('MIG-1')], new Map(), 1));
    const a = store.allocations.insert({
      slot_uuid: 'MIG-1',
      container_id: null,
      owner_uid: 1000,
      allocated_at: 1,
    });
    store.allocations.hold(a, 2, 100);
    expect(() =>
      store.allocations.insert({ slot_uuid: 'MIG-1', container_id: null, owner_uid: 1001, allocated_at: 3 }),
    ).toThrow(/UNIQUE/);
    expect(store.allocations.release(a, 4, 'test')).toBe(true);
    expect(store.allocations.release(a, 5, 'again')).toBe(false);
    store.allocations.insert({ slot_uuid: 'MIG-1', container_id: null, owner_uid: 1001, allocated_at: 6 });
    expect(store.allocations.live()).toHaveLength(1);
  });

  it('refuses an allocation of an unknown slot (foreign key)', () => {
    expect(() =>
      store.allocations.insert({ slot_uuid: 'MIG-nope', container_id: null, owner_uid: 1, allocated_at: 1 }),
    ).toThrow(/FOREIGN KEY/);
  });
});

describe('slots', () => {
  it('marks a vanished slot missing and brings it back, keeping drain', () => {
    store.tx(() => store.slots.sync([slot('MIG-1'), slot('MIG-2')], new Map(), 1));
    store.slots.setDrained('MIG-2', true, 'maintenance');
    const gone = store.tx(() => store.slots.sync([slot('MIG-1')], new Map(), 2));
    expect(gone.missing).toEqual(['MIG-2']);
    expect(store.slots.get('MIG-2')?.state).toBe('missing');
    const back = store.tx(() => store.slots.sync([slot('MIG-1'), slot('MIG-2')], new Map(), 3));
    expect(back.returned).toEqual(['MIG-2']);
    expect(store.slots.get('MIG-2')?.state).toBe('drained');
  });
});

describe('events', () => {
  it('are append-only', () => {
    store.events.append({ ts: 1, actorUid: 0, actorName: 'root', subjectUid: 1000, kind: 'queue.joined' });
    withRawDb(store, (db) => {
      expect(() => db.exec("UPDATE events SET kind = 'x'")).toThrow(/append-only/);
      expect(() => db.exec('DELETE FROM events')).toThrow(/append-only/);
    });
  });

  it('a user sees events about them or by them, an admin query sees all', () => {
    store.events.append({
      ts: 1,
      actorUid: 1000,
      actorName: 'alice',
      subjectUid: 1000,
      kind: 'queue.joined',
    });
    store.events.append({ ts: 2, actorUid: 1001, actorName: 'bob', subjectUid: 1001, kind: 'queue.left' });
    store.events.append({
      ts: 3,
      actorUid: null,
      actorName: 'ds01d',
      subjectUid: 1000,
      kind: 'container.stopped',
    });
    expect(store.events.query({ visibleToUid: 1000 }).map((e) => e.kind)).toEqual([
      'queue.joined',
      'container.stopped',
    ]);
    expect(store.events.query({}).length).toBe(3);
    expect(store.events.query({ kind: 'container.' }).map((e) => e.kind)).toEqual(['container.stopped']);
  });
});

describe('containers', () => {
  it('accumulates runtime over runs', () => {
    store.containers.insert({
      id: 'c1',
      name: 'p._.1000',
      project: 'p',
      owner_uid: 1000,
      owner_name: 'alice',
      image: 'img',
      state: 'created',
      created_at: 0,
    });
    store.containers.markState('c1', 'running', 1000);
    store.containers.markState('c1', 'exited', 4000);
    store.containers.markState('c1', 'running', 10_000);
    store.containers.markState('c1', 'exited', 12_000);
    expect(store.containers.get('c1')?.runtime_ms).toBe(5000);
    store.containers.markRemoved('c1', 13_000);
    expect(store.containers.live()).toHaveLength(0);
    expect(store.containers.get('c1')?.state).toBe('removed');
  });

  it('counts paused time as runtime (the GPU is held), with stopped_at = when it was paused meanwhile', () => {
    store.containers.insert({
      id: 'c2',
      name: 'q._.1000',
      project: 'q',
      owner_uid: 1000,
      owner_name: 'alice',
      image: 'img',
      state: 'created',
      created_at: 0,
    });
    store.containers.markState('c2', 'running', 1000);
    store.containers.markState('c2', 'paused', 3000);
    expect(store.containers.get('c2')).toMatchObject({ state: 'paused', stopped_at: 3000, runtime_ms: 2000 });
    store.containers.markState('c2', 'running', 7000);
    expect(store.containers.get('c2')).toMatchObject({
      state: 'running',
      started_at: 7000,
      stopped_at: null,
      runtime_ms: 6000,
    });
    store.containers.markState('c2', 'paused', 8000);
    store.containers.markState('c2', 'exited', 9000); // stopped while paused
    expect(store.containers.get('c2')).toMatchObject({ state: 'exited', stopped_at: 9000, runtime_ms: 8000 });
  });
});

describe('container claims', () => {
  it('one claim per name, counted per owner, released, cleared at start', () => {
    expect(store.claims.insert('a._.1000', 1000, 1)).toBe(true);
    expect(store.claims.insert('a._.1000', 1000, 2)).toBe(false);
    expect(store.claims.insert('b._.1000', 1000, 3)).toBe(true);
    expect(store.claims.insert('a._.1001', 1001, 3)).toBe(true);
    expect(store.claims.count(1000)).toBe(2);
    store.claims.release('a._.1000');
    expect(store.claims.count(1000)).toBe(1);
    expect(store.claims.clear()).toBe(2);
    expect(store.claims.count(1001)).toBe(0);
  });
});

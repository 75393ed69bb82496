// The live allocations kept in memory (LiveAllocationsCache via AllocationsRepo.liveForAllocator): every
// answer must be what SQLite says on this connection at that moment, whoever wrote and however a write
// ended (committed, rolled back, a savepoint undone, a statement refused, another connection).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withRawDb } from '../../testing/kits/raw-db.js';
import { Store } from './index.js';

const SLOTS = ['MIG-a', 'MIG-b', 'MIG-c', 'MIG-d'];
let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds01-liveallocs-'));
  store = Store.open(join(dir, 'ds01.db'));
  store.tx(() => {
    store.slots.sync(
      SLOTS.map((uuid, i) => ({
        uuid,
        parentUuid: 'GPU-0',
        gpuIndex: 0,
        kind: 'mig' as const,
        profile: '1g.10gb',
        migDeviceIndex: i,
        gi: i,
        ci: 0,
        memoryMiB: 9856,
        computeSlices: 1,
        gpuEquivalents: 1 / 7,
      })),
      new Map(),
      1,
    );
    for (const c of ['c1', 'c2'])
      store.containers.insert({
        id: c,
        name: `${c}._.1000`,
        project: c,
        owner_uid: 1000,
        owner_name: 'u',
        image: 'img',
        state: 'running',
        created_at: 1,
        started_at: 1,
      });
  });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The truth, read by SQL on the same connection (so inside a transaction it sees that transaction). */
const truth = () =>
  store.allocations.live().map((a) => ({
    slotUuid: a.slot_uuid,
    ownerUid: a.owner_uid,
    containerId: a.container_id ?? `reservation:${a.id}`,
    state: a.state,
    heldSince: a.held_since,
  }));
const cached = () => store.allocations.liveForAllocator().map((a) => ({ ...a }));
const reserve = (slot: string, uid = 1000) =>
  store.allocations.insert({ slot_uuid: slot, container_id: null, owner_uid: uid, allocated_at: 5 });

describe('AllocationsRepo.liveForAllocator (in memory)', () => {
  it('answers the same frozen list until an allocation changes', () => {
    reserve('MIG-a');
    const a = store.allocations.liveForAllocator();
    expect(store.allocations.liveForAllocator()).toBe(a);
    expect(Object.isFrozen(a) && Object.isFrozen(a[0])).toBe(true);
    store.containers.markState('c1', 'exited', 9);
    expect(store.allocations.liveForAllocator()).toBe(a);
    reserve('MIG-b');
    expect(store.allocations.liveForAllocator()).not.toBe(a);
    expect(cached()).toEqual(truth());
    expect(cached().map((x) => x.slotUuid)).toEqual(['MIG-a', 'MIG-b']);
  });

  it('follows every transition: attach, hold, reactivate, release', () => {
    const id = reserve('MIG-a');
    cached();
    store.allocations.attach(['MIG-a'], 'c1');
    expect(cached()).toEqual([
      { slotUuid: 'MIG-a', ownerUid: 1000, containerId: 'c1', state: 'active', heldSince: null },
    ]);
    store.allocations.hold(id, 7, 100);
    expect(cached()[0]).toMatchObject({ state: 'held', heldSince: 7 });
    store.allocations.reactivate(id);
    expect(cached()[0]).toMatchObject({ state: 'active', heldSince: null });
    store.allocations.release(id, 9, 'done');
    expect(cached()).toEqual([]);
  });

  it('forgets what a rolled-back transaction wrote, even when read inside it', () => {
    reserve('MIG-a');
    cached();
    expect(() =>
      store.tx(() => {
        reserve('MIG-b');
        expect(cached()).toEqual(truth());
        expect(cached()).toHaveLength(2);
        throw new Error('undo');
      }),
    ).toThrow('undo');
    expect(cached()).toEqual(truth());
    expect(cached()).toHaveLength(1);
  });

  it('reads a savepoint that rolled back inside a committed transaction as it now is', () => {
    const id = reserve('MIG-a');
    cached();
    store.tx(() => {
      reserve('MIG-b');
      try {
        store.tx(() => {
          store.allocations.release(id, 9, 'x');
          reserve('MIG-c');
          expect(cached().map((a) => a.slotUuid)).toEqual(['MIG-b', 'MIG-c']);
          throw new Error('inner');
        });
      } catch {
        // the outer transaction goes on without the inner one's writes
      }
      expect(cached()).toEqual(truth());
    });
    expect(cached().map((a) => a.slotUuid)).toEqual(['MIG-a', 'MIG-b']);
    expect(cached()).toEqual(truth());
  });

  it('is not fooled by a statement SQLite refused after the trigger ran (foreign key)', () => {
    reserve('MIG-a');
    cached();
    // The row is updated, the trigger fires, then the statement fails its foreign key and is undone.
    expect(() => store.allocations.attach(['MIG-a'], 'no-such-container')).toThrow(/FOREIGN KEY/);
    expect(cached()).toEqual(truth());
    expect(cached()[0]?.containerId).toMatch(/^reservation:/);
    store.tx(() => {
      expect(() => store.allocations.attach(['MIG-a'], 'no-such-container')).toThrow(/FOREIGN KEY/);
      expect(cached()).toEqual(truth());
    });
    expect(cached()).toEqual(truth());
  });

  it('sees another connection’s commits', () => {
    const id = reserve('MIG-a');
    const before = store.allocations.liveForAllocator();
    withRawDb(store, (db) => {
      db.prepare(`UPDATE allocations SET state = 'held', held_since = 3 WHERE id = ?`).run(id);
      db.prepare(
        `INSERT INTO allocations (slot_uuid, owner_uid, state, allocated_at) VALUES ('MIG-d', 7, 'active', 1)`,
      ).run();
    });
    expect(store.allocations.liveForAllocator()).not.toBe(before);
    expect(cached()).toEqual(truth());
    expect(cached()).toHaveLength(2);
  });

  it('property: after any sequence of writes, in or out of transactions, it equals SQLite', () => {
    type Op =
      | { t: 'reserve'; slot: number; uid: number }
      | { t: 'attach'; slot: number; container: 'c1' | 'c2' | 'missing' }
      | { t: 'hold' | 'reactivate' | 'release'; pick: number }
      | { t: 'raw'; pick: number }
      | { t: 'tx'; ops: Op[]; fail: boolean };
    const leaf: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ t: fc.constant('reserve' as const), slot: fc.nat(3), uid: fc.integer({ min: 1, max: 3 }) }),
      fc.record({
        t: fc.constant('attach' as const),
        slot: fc.nat(3),
        container: fc.constantFrom('c1' as const, 'c2' as const, 'missing' as const),
      }),
      fc.record({
        t: fc.constantFrom('hold' as const, 'reactivate' as const, 'release' as const),
        pick: fc.nat(10),
      }),
      fc.record({ t: fc.constant('raw' as const), pick: fc.nat(10) }),
    );
    const { op } = fc.letrec<{ op: Op }>((tie) => ({
      op: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.record({
          t: fc.constant('tx' as const),
          ops: fc.array(tie('op'), { maxLength: 5 }),
          fail: fc.boolean(),
        }),
      ),
    }));
    let depth = 0;
    const liveIds = () => store.allocations.live().map((a) => a.id);
    const apply = (o: Op): void => {
      const pickId = (n: number) => {
        const ids = liveIds();
        return ids.length ? ids[n % ids.length] : undefined;
      };
      try {
        switch (o.t) {
          case 'reserve':
            reserve(SLOTS[o.slot] as string, o.uid); // may hit the one-live-per-slot index
            break;
          case 'attach':
            store.allocations.attach(
              [SLOTS[o.slot] as string],
              o.container === 'missing' ? 'gone' : o.container,
            );
            break;
          case 'hold': {
            const id = pickId(o.pick);
            if (id !== undefined) store.allocations.hold(id, 11, null);
            break;
          }
          case 'reactivate': {
            const id = pickId(o.pick);
            if (id !== undefined) store.allocations.reactivate(id);
            break;
          }
          case 'release': {
            const id = pickId(o.pick);
            if (id !== undefined) store.allocations.release(id, 12, 'p');
            break;
          }
          case 'raw': {
            // Another connection cannot write while this one is in a transaction (busy): only outside.
            const id = pickId(o.pick);
            if (id !== undefined && depth === 0)
              withRawDb(store, (db) =>
                db.prepare(`UPDATE allocations SET state = 'released' WHERE id = ?`).run(id),
              );
            break;
          }
          case 'tx':
            depth++;
            try {
              store.tx(() => {
                for (const inner of o.ops) {
                  apply(inner);
                  expect(cached()).toEqual(truth());
                }
                if (o.fail) throw new Error('roll back');
              });
            } finally {
              depth--;
            }
            break;
        }
      } catch (err) {
        if (!(err instanceof Error) || !/roll back|UNIQUE|FOREIGN KEY/.test(err.message)) throw err;
      }
    };
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        withRawDb(store, (db) => db.prepare(`UPDATE allocations SET state = 'released'`).run());
        for (const o of ops) {
          apply(o);
          expect(cached()).toEqual(truth());
        }
      }),
      { numRuns: 150 },
    );
  });
});

// The slot cache behind every reservation (TableCache via SlotsRepo.allocatable): it must never answer
// with rows the database no longer holds, whoever changed them.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withRawDb } from '../../testing/kits/raw-db.js';
import { Store } from './index.js';

let dir: string;
let store: Store;
const slot = (uuid: string, gpuIndex = 0) => ({
  uuid,
  parentUuid: `GPU-${gpuIndex}`,
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
const states = () => store.slots.allocatable().map((s) => `${s.uuid}:${s.state}`);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds01-tablecache-'));
  store = Store.open(join(dir, 'ds01.db'));
  store.tx(() => store.slots.sync([slot('MIG-a'), slot('MIG-b', 1)], new Map(), 1));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SlotsRepo.allocatable cache', () => {
  it('answers the same frozen rows until the table changes', () => {
    const a = store.slots.allocatable();
    expect(store.slots.allocatable()).toBe(a);
    expect(Object.isFrozen(a) && Object.isFrozen(a[0])).toBe(true);
    expect(states()).toEqual(['MIG-a:available', 'MIG-b:available']);
  });

  it('sees this connection’s writes, in and out of transactions', () => {
    states();
    store.slots.setDrained('MIG-a', true, 'test');
    expect(states()).toEqual(['MIG-a:drained', 'MIG-b:available']);
    store.tx(() => {
      store.slots.setDrained('MIG-a', false, null);
      expect(states()).toEqual(['MIG-a:available', 'MIG-b:available']);
    });
    expect(states()).toEqual(['MIG-a:available', 'MIG-b:available']);
  });

  it('never keeps rows a rolled-back transaction wrote', () => {
    states();
    expect(() =>
      store.tx(() => {
        store.slots.setDrained('MIG-b', true, 'rolled back');
        expect(states()).toEqual(['MIG-a:available', 'MIG-b:drained']);
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(states()).toEqual(['MIG-a:available', 'MIG-b:available']);
    // A later transaction that does not write the table caches again.
    const inTx = store.tx(() => store.slots.allocatable());
    expect(store.slots.allocatable()).toBe(inTx);
  });

  it('sees another connection’s commits', () => {
    states();
    withRawDb(store, (db) => db.prepare(`UPDATE gpu_slots SET state = 'missing' WHERE uuid = 'MIG-a'`).run());
    expect(states()).toEqual(['MIG-a:missing', 'MIG-b:available']);
  });
});

describe('prepared statement cache (db.ts)', () => {
  it('is safe: no store code changes a shared statement’s mode or leaves one iterating', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const bad = readdirSync(here, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .filter((f) =>
        readFileSync(join(here, f), 'utf8')
          .split('\n')
          .some((line) => !/^\s*(\/\/|\*|\/\*)/.test(line) && /\.(iterate|pluck|raw|expand)\(/.test(line)),
      );
    expect(bad).toEqual([]);
  });
});

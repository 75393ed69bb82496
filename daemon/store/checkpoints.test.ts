// WAL checkpoints run by the store's timer, not by whichever commit crosses 1,000 pages.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withRawDb } from '../../testing/kits/raw-db.js';
import { CHECKPOINT_EVERY_MS, WAL_AUTOCHECKPOINT_PAGES } from './checkpoints.js';
import { Store } from './index.js';

let dir: string;
let store: Store;
const dbSize = () => statSync(join(dir, 'ds01.db')).size;
const walSize = () => statSync(join(dir, 'ds01.db-wal')).size;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  dir = mkdtempSync(join(tmpdir(), 'ds01-checkpoints-'));
  store = Store.open(join(dir, 'ds01.db'));
});
afterEach(() => {
  store.close();
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe('Store WAL checkpoints', () => {
  it('copies committed pages into the database within a tick of a write, not at commit', () => {
    // Everything so far (the migrations) sits in the WAL: commits do not checkpoint below the backstop.
    const before = dbSize();
    expect(walSize()).toBeGreaterThan(0);
    vi.advanceTimersByTime(CHECKPOINT_EVERY_MS);
    const after = dbSize();
    expect(after).toBeGreaterThan(before);

    store.tx(() => {
      for (let i = 0; i < 200; i++)
        store.events.append({
          ts: i,
          actorUid: null,
          actorName: 'ds01d',
          subjectUid: 1,
          kind: 'allocation.reserved',
          reason: 'x'.repeat(500),
        });
    });
    expect(dbSize()).toBe(after);
    vi.advanceTimersByTime(CHECKPOINT_EVERY_MS);
    expect(dbSize()).toBeGreaterThan(after);
  });

  it('keeps SQLite’s own checkpoint only as a backstop', () => {
    expect(withRawDb(store, (db) => db.pragma('wal_autocheckpoint', { simple: true }))).toBe(
      WAL_AUTOCHECKPOINT_PAGES,
    );
  });

  it('stops with the store', () => {
    store.close();
    expect(() => vi.advanceTimersByTime(CHECKPOINT_EVERY_MS * 3)).not.toThrow();
    expect(vi.getTimerCount()).toBe(0);
  });
});

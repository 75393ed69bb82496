import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from './index.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds01-bookings-'));
  store = Store.open(join(dir, 'ds01.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const book = (slots: string[], from: number, to: number) =>
  store.bookings.insert({
    owner_uid: 1000,
    owner_name: 'alice',
    from_ms: from,
    to_ms: to,
    profile: '3g.40gb',
    maintenance: false,
    note: null,
    grace_ms: 0,
    created_at: 0,
    created_by: 'alice',
    slots,
  });

describe('BookingsRepo', () => {
  it('the database refuses two live bookings overlapping on one slot, even if a decision were wrong', () => {
    const id = book(['MIG-a', 'MIG-b'], 100, 200);
    expect(() => book(['MIG-b'], 150, 250)).toThrow(/overlaps another live booking/);
    expect(() => store.tx(() => book(['MIG-c', 'MIG-a'], 199, 300))).toThrow(/overlaps/);
    // Nothing of the refused transaction is left behind.
    expect(store.bookings.live(0).map((b) => b.id)).toEqual([id]);
    expect(book(['MIG-a'], 200, 300)).toBeGreaterThan(id); // back to back is fine
  });

  it('a cancelled or no-show booking leaves the calendar; a used one stays', () => {
    const a = book(['MIG-a'], 100, 200);
    expect(store.bookings.markUsed(a, 120)).toBe(true);
    expect(store.bookings.get(a)).toMatchObject({ state: 'used', used_at: 120, slots: ['MIG-a'] });
    expect(store.bookings.end(a, 'cancelled', 130, 'not needed')).toBe(true);
    expect(store.bookings.end(a, 'no_show', 140, 'again')).toBe(false);
    expect(book(['MIG-a'], 150, 250)).toBeGreaterThan(a);
    expect(store.bookings.live(0).map((b) => b.from_ms)).toEqual([150]);
    expect(store.bookings.between(0, 1000).map((b) => b.state)).toEqual(['cancelled', 'booked']);
  });
});

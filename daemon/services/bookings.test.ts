// BookingService on a real SQLite store: what booking reads of the slots besides the calendar — a GPU
// drained for its health and a GPU whose MIG layout is being changed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testCaller } from '../../testing/kits/caller.js';
import { gpuKit, type Kit, migSlot } from '../../testing/kits/gpu-test-kit.js';
import type { Ds01Error } from '../errors.js';
import type { Caller } from '../identity/caller.js';
import { BookingService } from './bookings.js';

const HOUR = 3_600_000;
const user = testCaller;

let k: Kit;
let svc: BookingService;

beforeEach(() => {
  // Two GPUs with one 1g.10gb slot each: GPU 0's slot and GPU 1's slot.
  k = gpuKit({ slots: [migSlot(0, 0), migSlot(1, 0)] });
  svc = new BookingService({
    store: k.store,
    policy: k.policy,
    clock: k.clock,
    resolveSlots: (ref) => k.store.slots.all().filter((s) => s.uuid === ref),
    changed: () => undefined,
  });
});
afterEach(() => k?.close());

const book = (caller: Caller, extra: { slots?: string[] } = {}) =>
  svc
    .create(caller, { from: k.clock.now() + HOUR, lengthMs: HOUR, ...(extra.slots ? extra : { gpus: 1 }) })
    .slots.map((s) => s.uuid);

function refusal(fn: () => unknown): Ds01Error {
  try {
    fn();
  } catch (err) {
    return err as Ds01Error;
  }
  throw new Error('expected a refusal');
}

describe('booking and GPU health', () => {
  it('never gives a user a slot on a GPU drained for its health', () => {
    k.store.tx(() => k.store.slots.setHealthBlocks('GPU-0', true));
    const first = book(user(1001));
    expect(first).toEqual(['MIG-1-0']);
    // The only healthy slot is now booked for that hour; the drained one is not offered instead.
    const e = refusal(() => book(user(1002)));
    expect(e.code).toBe('NO_CAPACITY');
    expect(e.message).toMatch(/Only 0 of 1 /);
  });

  it('an admin may still book the drained GPU by name (e.g. for its repair)', () => {
    k.store.tx(() => k.store.slots.setHealthBlocks('GPU-0', true));
    expect(book(user(0, true), { slots: ['MIG-0-0'] })).toEqual(['MIG-0-0']);
  });
});

describe('booking during a MIG change', () => {
  let change: number;
  beforeEach(() => {
    change = k.store.migChanges.add(
      {
        gpu_uuid: 'GPU-0',
        gpu_index: 0,
        model: 'A100',
        plan_json: '{}',
        deadline: k.clock.now() + HOUR,
        requested_by: 'root',
        requested_uid: 0,
      },
      k.clock.now(),
    );
  });

  it('refuses an admin naming a slot on that GPU, saying why and what to do', () => {
    const e = refusal(() => book(user(0, true), { slots: ['MIG-0-0'] }));
    expect(e.code).toBe('CONFLICT');
    expect(e.message).toMatch(/GPU 0.*MIG layout is being changed/);
    expect(e.hint).toMatch(/ds01 admin mig status/);
    expect(k.store.bookings.windows(k.clock.now())).toHaveLength(0);
  });

  it('shape bookings skip that GPU, for admins too; once the change is done it is bookable again', () => {
    expect(book(user(0, true))).toEqual(['MIG-1-0']);
    expect(refusal(() => book(user(1001))).code).toBe('NO_CAPACITY');
    k.store.migChanges.setState(change, 'done', k.clock.now());
    expect(book(user(1001))).toEqual(['MIG-0-0']);
  });
});

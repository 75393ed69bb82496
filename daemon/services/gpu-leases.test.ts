import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { gpuKit, type Kit, migSlot } from '../../testing/kits/gpu-test-kit.js';
import type { Ds01Error } from '../errors.js';
import { silentLogger } from '../log.js';
import { resolveLimits } from '../policy/resolve.js';
import { GpuLeases } from './gpu-leases.js';

const owner = (uid: number) => ({ uid, name: `u${uid}` });
const flush = () => new Promise<void>((r) => queueMicrotask(r));

let k: Kit;
const limitsFor = (uid: number) =>
  resolveLimits(k.policy.current(), { name: `u${uid}`, groups: [] }, new Date(k.clock.now())).limits;

function codeOf(fn: () => unknown): { code: string; details: unknown; hint?: string } {
  try {
    fn();
  } catch (err) {
    const e = err as Ds01Error;
    return { code: e.code, details: e.details, hint: e.hint };
  }
  throw new Error('expected a Ds01Error');
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
});
afterEach(() => {
  k?.close();
  vi.useRealTimers();
});

describe('reserve / attach / cancel', () => {
  beforeEach(() => {
    k = gpuKit();
    k.leases.start();
  });

  it('reserves free slots with no container, then attach points them at the container', () => {
    const slots = k.leases.reserve(owner(1001), limitsFor(1001), { count: 1 }, 'u1001');
    expect(slots).toHaveLength(1);
    const uuid = slots[0]?.uuid as string;
    expect(k.store.allocations.liveForSlot(uuid)).toMatchObject({
      container_id: null,
      owner_uid: 1001,
      state: 'active',
    });
    k.store.tx(() => {
      k.container('c1', 1001);
      k.leases.attach([uuid], 'c1');
    });
    expect(k.leases.slotsOf('c1').map((s) => s.uuid)).toEqual([uuid]);
    expect(k.store.events.query({ kind: 'allocation.reserved' })).toHaveLength(1);
  });

  it('refuses over quota with the limit, current use and max, and says what to do', () => {
    k.leases.reserve(owner(1001), limitsFor(1001), { count: 1 }, 'u1001');
    k.leases.reserve(owner(1001), limitsFor(1001), { count: 1 }, 'u1001');
    const e = codeOf(() => k.leases.reserve(owner(1001), limitsFor(1001), { count: 1 }, 'u1001'));
    expect(e.code).toBe('QUOTA_EXCEEDED');
    expect(e.details).toMatchObject({ limit: 'max_mig_instances', current: 2, max: 2 });
    expect(e.hint).toMatch(/retire/);
  });

  it('says NO_CAPACITY with a --queue hint when every slot is taken, and BAD_REQUEST for nonsense', () => {
    for (let u = 2000; u < 2007; u++) k.leases.reserve(owner(u), limitsFor(u), { count: 1 }, 'x');
    const e = codeOf(() => k.leases.reserve(owner(3000), limitsFor(3000), { count: 1 }, 'x'));
    expect(e.code).toBe('NO_CAPACITY');
    expect(e.hint).toMatch(/--queue/);
    expect(codeOf(() => k.leases.reserve(owner(3000), limitsFor(3000), { count: 0 }, 'x')).code).toBe(
      'BAD_REQUEST',
    );
    expect(
      codeOf(() => k.leases.reserve(owner(3000), limitsFor(3000), { count: 1, profile: '7g.80gb' }, 'x'))
        .code,
    ).toBe('BAD_REQUEST');
  });

  it('cancel releases a reservation and tells subscribers; attach of a cancelled one is a CONFLICT', async () => {
    const freed = vi.fn();
    k.leases.onCapacityFreed(freed);
    const [s] = k.leases.reserve(owner(1001), limitsFor(1001), { count: 1 }, 'u1001');
    k.leases.cancel([s?.uuid as string], 'docker create failed');
    expect(k.store.allocations.live()).toHaveLength(0);
    await flush();
    expect(freed).toHaveBeenCalledTimes(1);
    k.container('c1', 1001);
    expect(codeOf(() => k.leases.attach([s?.uuid as string], 'c1')).code).toBe('CONFLICT');
  });

  it('releases reservations that never got a container after the TTL, not fresh ones', () => {
    k.leases.reserve(owner(1001), limitsFor(1001), { count: 1 }, 'u1001');
    k.clock.t += 4 * 60_000;
    k.leases.reserve(owner(1002), limitsFor(1002), { count: 1 }, 'u1002');
    k.clock.t += 2 * 60_000;
    expect(k.leases.reconcileReservations()).toBe(1);
    expect(k.store.allocations.live().map((a) => a.owner_uid)).toEqual([1002]);
    expect(k.store.events.query({ kind: 'allocation.reservation_expired' })).toHaveLength(1);
  });

  it('releaseForContainer releases active and held slots at once, audited with the reason', () => {
    const slots = k.leases.reserve(owner(1001), limitsFor(1001), { count: 1 }, 'u1001');
    k.store.tx(() => {
      k.container('c1', 1001);
      k.leases.attach(
        slots.map((s) => s.uuid),
        'c1',
      );
    });
    k.leases.releaseForContainer('c1', 'container retired', 'u1001');
    expect(k.store.allocations.live()).toHaveLength(0);
    const ev = k.store.events.query({ kind: 'allocation.released' });
    expect(ev.at(-1)).toMatchObject({ reason: 'container retired', actor: 'u1001', containerId: 'c1' });
  });
});

function deployed(id: string, uid: number) {
  const slots = k.leases.reserve(owner(uid), limitsFor(uid), { count: 1 }, `u${uid}`);
  k.store.tx(() => {
    k.container(id, uid);
    k.leases.attach(
      slots.map((s) => s.uuid),
      id,
    );
  });
  return slots[0]?.uuid as string;
}

describe('holds after stop', () => {
  it('holds for gpu_hold_after_stop (telling subscribers: a queue may take a hold), then the exact timer releases it', async () => {
    k = gpuKit();
    k.leases.start();
    const freed = vi.fn();
    k.leases.onCapacityFreed(freed);
    const slot = deployed('c1', 1001);
    const at = k.clock.now();
    k.store.tx(() => k.leases.containerStopped('c1', at));
    await flush();
    expect(freed).toHaveBeenCalledTimes(1);
    expect(k.store.allocations.liveForSlot(slot)).toMatchObject({
      state: 'held',
      held_since: at,
      hold_until: at + 5000,
    });
    expect(k.leases.nextHoldDeadline()).toBe(at + 5000);
    k.clock.t = at + 4999;
    vi.advanceTimersByTime(4999);
    expect(k.store.allocations.liveForSlot(slot)?.state).toBe('held');
    k.clock.t = at + 5000;
    vi.advanceTimersByTime(1);
    expect(k.store.allocations.liveForSlot(slot)).toBeUndefined();
    expect(k.store.events.query({ kind: 'allocation.hold_expired' })).toHaveLength(1);
    await flush();
    expect(freed).toHaveBeenCalledTimes(2);
  });

  it('survives a restart without losing or extending the hold', async () => {
    k = gpuKit();
    k.leases.start();
    const slot = deployed('c1', 1001);
    const at = k.clock.now();
    k.store.tx(() => k.leases.containerStopped('c1', at));
    await flush();
    k.leases.stop();
    // The daemon is down for 3 s; a new instance on the same database picks the deadline up.
    k.clock.t = at + 3000;
    const again = new GpuLeases(k.store, k.policy, k.accounts, k.clock, silentLogger);
    again.start();
    k.clock.t = at + 4990;
    vi.advanceTimersByTime(1990);
    expect(k.store.allocations.liveForSlot(slot)?.state).toBe('held');
    k.clock.t = at + 5000;
    vi.advanceTimersByTime(10);
    expect(k.store.allocations.liveForSlot(slot)).toBeUndefined();
    again.stop();
  });

  it('releases a hold that ran out while the daemon was down at start-up, saying it was late', async () => {
    k = gpuKit();
    k.leases.start();
    const slot = deployed('c1', 1001);
    const at = k.clock.now();
    k.store.tx(() => k.leases.containerStopped('c1', at));
    k.leases.stop();
    k.clock.t = at + 60_000;
    const again = new GpuLeases(k.store, k.policy, k.accounts, k.clock, silentLogger);
    again.start();
    expect(k.store.allocations.liveForSlot(slot)).toBeUndefined();
    expect(k.store.events.query({ kind: 'allocation.hold_expired' })[0]?.reason).toMatch(/55 s late/);
    again.stop();
  });

  it('gpu_hold_after_stop 0 releases at once; null holds until removal', async () => {
    k = gpuKit({ policyPatch: (y) => y.replace('gpu_hold_after_stop: 5s', 'gpu_hold_after_stop: 0') });
    k.leases.start();
    const s0 = deployed('c1', 1001);
    k.store.tx(() => k.leases.containerStopped('c1', k.clock.now()));
    expect(k.store.allocations.liveForSlot(s0)).toBeUndefined();
    k.close();

    k = gpuKit({ policyPatch: (y) => y.replace('gpu_hold_after_stop: 5s', 'gpu_hold_after_stop: null') });
    k.leases.start();
    const s1 = deployed('c1', 1001);
    k.store.tx(() => k.leases.containerStopped('c1', k.clock.now()));
    expect(k.store.allocations.liveForSlot(s1)).toMatchObject({ state: 'held', hold_until: null });
    expect(k.leases.nextHoldDeadline()).toBeNull();
  });
});

describe('prepareStart', () => {
  beforeEach(() => {
    k = gpuKit();
    k.leases.start();
  });

  it('re-activates a held slot', async () => {
    const slot = deployed('c1', 1001);
    k.store.tx(() => k.leases.containerStopped('c1', k.clock.now()));
    k.leases.prepareStart('c1');
    expect(k.store.allocations.liveForSlot(slot)).toMatchObject({ state: 'active', hold_until: null });
    expect(k.leases.nextHoldDeadline()).toBeNull();
  });

  it('refuses with SLOT_MISSING (and a way out) when the slot left the inventory', () => {
    deployed('c1', 1001);
    const live = k.store.allocations.live()[0]?.slot_uuid;
    k.setSlots([0, 1, 2, 3, 4, 5, 6].map((d) => migSlot(1, d)).filter((s) => s.uuid !== live));
    const e = codeOf(() => k.leases.prepareStart('c1'));
    expect(e.code).toBe('SLOT_MISSING');
    expect(e.hint).toMatch(/retire/);
  });

  it('takes back its released slot when still free, refuses when someone else has it', () => {
    const slot = deployed('c1', 1001);
    k.store.tx(() => k.leases.containerStopped('c1', k.clock.now()));
    k.clock.t += 6000;
    k.leases.expireDueHolds();
    expect(k.store.allocations.liveForSlot(slot)).toBeUndefined();
    k.leases.prepareStart('c1');
    expect(k.store.allocations.liveForSlot(slot)).toMatchObject({ container_id: 'c1', state: 'active' });

    k.leases.releaseForContainer('c1', 'test', 'admin');
    // Fill every slot (including c1's) with other users.
    for (let u = 2000; u < 2007; u++) deployed(`o${u}`, u);
    expect(codeOf(() => k.leases.prepareStart('c1')).code).toBe('NO_CAPACITY');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { gpuKit, type Kit } from '../../testing/kits/gpu-test-kit.js';
import { Ds01Error } from '../errors.js';
import type { Caller } from '../identity/caller.js';
import { silentLogger } from '../log.js';
import { resolveLimits } from '../policy/resolve.js';
import { GpuQueue, type QueuedDeploy } from './gpu-queue.js';

let k: Kit;
let q: GpuQueue;
afterEach(() => {
  q?.stop();
  k?.close();
});

const owner = (uid: number) => ({ uid, name: `u${uid}` });
const caller = (uid: number, admin = false): Caller => ({
  uid,
  gid: uid,
  pid: 1,
  name: `u${uid}`,
  home: '/',
  groups: [],
  admin,
});
const limitsFor = (uid: number, groups: string[] = []) =>
  resolveLimits(k.policy.current(), { name: `u${uid}`, groups }, new Date(k.clock.now())).limits;

function setup(groups: Record<number, string[]> = {}) {
  k = gpuKit({ groups });
  k.leases.start();
  q = new GpuQueue(k.store, k.leases, k.policy, k.clock, silentLogger);
}

/** The real serve shape: reserve through GpuLeases, create the container row, attach, in that order. */
function deployServe(served: number[], delayMs = 0) {
  return async (e: QueuedDeploy) => {
    const slots = k.leases.reserve(e.owner, await k.leases.limitsOf(e.owner), e.gpu, 'ds01d');
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    const id = `q${e.id}`;
    k.store.tx(() => {
      k.container(id, e.owner.uid);
      k.leases.attach(
        slots.map((s) => s.uuid),
        id,
      );
    });
    served.push(e.id);
    return { containerId: id };
  };
}

function fillAll(firstUid = 5000) {
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) {
    const uid = firstUid + i;
    const slots = k.leases.reserve(owner(uid), limitsFor(uid), { count: 1 }, 'x');
    k.store.tx(() => {
      k.container(`c${uid}`, uid);
      k.leases.attach(
        slots.map((s) => s.uuid),
        `c${uid}`,
      );
    });
    ids.push(`c${uid}`);
  }
  return ids;
}

describe('GpuQueue', () => {
  it('serves waiting entries when capacity frees, in priority then least-recent-use then arrival order', async () => {
    setup({ 1003: ['researchers'] });
    // 1001 used a GPU an hour ago; 1002 never did; 1003 has priority 20 (researchers).
    k.store.tx(() => {
      k.container('old', 1001);
      const id = k.store.allocations.insert({
        slot_uuid: 'MIG-1-0',
        container_id: 'old',
        owner_uid: 1001,
        allocated_at: 0,
      });
      k.store.allocations.release(id, k.clock.now() - 3600_000, 'history');
    });
    const running = fillAll();
    const served: number[] = [];
    q.setServe(deployServe(served));
    const a = q.enqueue(owner(1001), { name: 'a' }, { count: 1 }, 10, limitsFor(1001));
    k.clock.t += 1;
    const b = q.enqueue(owner(1002), { name: 'b' }, { count: 1 }, 10, limitsFor(1002));
    k.clock.t += 1;
    const c = q.enqueue(owner(1003), { name: 'c' }, { count: 1 }, 20, limitsFor(1003, ['researchers']));
    await q.idle();
    expect(served).toEqual([]);
    expect(q.list(caller(0, true)).map((e) => [e.id, e.position])).toEqual([
      [a.id, 3],
      [b.id, 2],
      [c.id, 1],
    ]);
    for (const id of running.slice(0, 3)) {
      k.leases.releaseForContainer(id, 'retired', 'x');
      await new Promise((r) => setTimeout(r, 0));
      await q.idle();
    }
    expect(served).toEqual([c.id, b.id, a.id]);
    const ev = k.store.events.query({ kind: 'queue.served' });
    expect(ev.map((e) => e.subjectUid)).toEqual([1003, 1002, 1001]);
    expect(q.list(caller(1001)).map((e) => e.state)).toEqual(['served']);
  }, 10_000);

  it('releases the longest-held slot when someone is queued and nothing is free', async () => {
    setup();
    const running = fillAll();
    const served: number[] = [];
    q.setServe(deployServe(served));
    // Two containers stop: holds of 5 s begin, one earlier than the other.
    k.store.tx(() => k.leases.containerStopped(running[4] as string, k.clock.now()));
    k.clock.t += 1000;
    k.store.tx(() => k.leases.containerStopped(running[2] as string, k.clock.now()));
    const earlySlot = k.leases.slotsOf(running[4] as string)[0]?.uuid;
    const e = q.enqueue(owner(1001), null, { count: 1 }, 10, limitsFor(1001));
    await q.idle();
    expect(served).toEqual([e.id]);
    const rel = k.store.events.query({ kind: 'allocation.released_for_queue' });
    expect(rel).toHaveLength(1);
    expect(rel[0]?.data).toMatchObject({ slot: earlySlot });
    expect(rel[0]?.reason).toMatch(/u1001 is waiting/);
    // The other hold is untouched.
    expect(k.leases.slotsOf(running[2] as string)).toHaveLength(1);
  });

  it('refuses to queue a quota breach or an impossible request (they would wait forever)', () => {
    setup();
    const l = limitsFor(1001);
    expect(() => q.enqueue(owner(1001), null, { count: 3 }, 10, l)).toThrow(Ds01Error);
    expect(() => q.enqueue(owner(1001), null, { count: 1, profile: '7g.80gb' }, 10, l)).toThrow(/in total/);
    expect(k.store.queue.waiting()).toHaveLength(0);
  });

  it('marks an entry failed (and tells its owner why) when its deploy fails; NO_CAPACITY keeps it waiting', async () => {
    setup();
    let mode: 'fail' | 'busy' = 'busy';
    let calls = 0;
    q.setServe(async () => {
      calls++;
      if (mode === 'busy') throw new Ds01Error('NO_CAPACITY', 'taken in between');
      throw new Ds01Error('NOT_FOUND', 'image gone', 'build it again');
    });
    const e = q.enqueue(owner(1001), null, { count: 1 }, 10, limitsFor(1001));
    await q.idle();
    expect(calls).toBe(1);
    expect(k.store.queue.get(e.id)).toMatchObject({ state: 'waiting', note: 'last try: taken in between' });
    mode = 'fail';
    q.kick();
    await q.idle();
    expect(k.store.queue.get(e.id)?.state).toBe('failed');
    const ev = k.store.events.query({ kind: 'queue.failed' });
    expect(ev[0]).toMatchObject({ subjectUid: 1001 });
    expect(ev[0]?.reason).toMatch(/image gone \(build it again\)/);
  });

  it('never runs two serve passes at once, however many kicks arrive', async () => {
    setup();
    fillAll();
    let inFlight = 0;
    let most = 0;
    const served: number[] = [];
    const inner = deployServe(served, 5);
    q.setServe(async (e) => {
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        return await inner(e);
      } finally {
        inFlight--;
      }
    });
    for (let u = 1001; u <= 1004; u++) q.enqueue(owner(u), null, { count: 1 }, 10, limitsFor(u));
    const ids = k.store.containers.live().map((c) => c.id);
    for (const id of ids.slice(0, 4)) {
      k.leases.releaseForContainer(id, 'retired', 'x');
      q.kick();
      q.kick();
    }
    await new Promise((r) => setTimeout(r, 0));
    while (served.length < 4) await new Promise((r) => setTimeout(r, 5));
    await q.idle();
    expect(most).toBe(1);
    expect(served).toHaveLength(4);
  });

  it('lists own entries for users and all for admins; only the owner or an admin may end one', () => {
    setup();
    fillAll();
    const mine = q.enqueue(owner(1001), { name: 'x' }, { count: 1 }, 10, limitsFor(1001));
    const theirs = q.enqueue(owner(1002), null, { count: 1 }, 10, limitsFor(1002));
    expect(q.list(caller(1001)).map((e) => e.id)).toEqual([mine.id]);
    expect(q.list(caller(0, true))).toHaveLength(2);
    expect(q.list(caller(1001))[0]).toMatchObject({ position: 1, request: { name: 'x' }, gpu: { count: 1 } });
    expect(() => q.leave(caller(1001), theirs.id)).toThrow(/not yours/);
    expect(q.leave(caller(1001), mine.id).state).toBe('left');
    expect(() => q.leave(caller(1001), mine.id)).toThrow(/no longer waiting/);
    expect(() => q.remove(caller(1001), theirs.id, 'x')).toThrow(/only admins/);
    expect(q.remove(caller(0, true), theirs.id, 'maintenance').state).toBe('removed');
    expect(k.store.events.query({ kind: 'queue.removed' })[0]).toMatchObject({
      subjectUid: 1002,
      reason: 'maintenance',
    });
  });

  it('estimates the wait from hold deadlines and max_runtime', () => {
    setup();
    const running = fillAll();
    const now = k.clock.now();
    k.store.tx(() => k.leases.containerStopped(running[0] as string, now));
    const first = q.enqueue(owner(1001), null, { count: 1 }, 10, limitsFor(1001));
    const second = q.enqueue(owner(1002), null, { count: 1 }, 10, limitsFor(1002));
    const views = q.list(caller(0, true));
    expect(views.find((v) => v.id === first.id)?.estimatedServeAt).toBe(new Date(now + 5000).toISOString());
    // The second waits for the first running container to reach max_runtime (2m in the test policy).
    expect(views.find((v) => v.id === second.id)).toMatchObject({
      position: 2,
      estimatedServeAt: new Date(now + 120_000).toISOString(),
    });
  });
});

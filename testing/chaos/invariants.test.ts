import { describe, expect, it } from 'vitest';
import {
  checkInvariants,
  type DockerContainer,
  RESERVATION_WINDOW_MS,
  type StoreSnapshot,
} from './invariants.js';

const NOW = 10_000_000;
const ev = (kind: string, container_id: string | null, data: object = {}) => ({
  kind,
  container_id,
  data_json: JSON.stringify(data),
});

/** One running container on GPU-A, fully recorded and audited; one queue entry served to it. */
function healthy(): { docker: DockerContainer[]; store: StoreSnapshot } {
  return {
    docker: [{ id: 'c1', name: 'p1._.1000', running: true, deviceIds: ['GPU-A'] }],
    store: {
      containers: [{ id: 'c1', name: 'p1._.1000', removed_at: null }],
      allocations: [
        { id: 1, slot_uuid: 'GPU-A', container_id: 'c1', state: 'active', allocated_at: NOW - 1000 },
      ],
      queue: [{ id: 7, state: 'served', container_id: 'c1' }],
      events: [
        ev('queue.joined', null, { queueId: 7 }),
        ev('allocation.reserved', null, { slots: ['GPU-A'] }),
        ev('container.created', 'c1'),
        ev('queue.served', 'c1', { queueId: 7 }),
      ],
      claims: [],
      integrity: 'ok',
    },
  };
}

const rules = (docker: DockerContainer[], store: StoreSnapshot, queueIds: number[] = [7]) =>
  checkInvariants(docker, store, { queueIds }, NOW).map((v) => v.rule);

describe('chaos invariants', () => {
  it('a consistent, audited state has no violation', () => {
    const { docker, store } = healthy();
    expect(checkInvariants(docker, store, { queueIds: [7] }, NOW)).toEqual([]);
  });

  it('one GPU given to two running containers', () => {
    const { docker, store } = healthy();
    docker.push({ id: 'c2', name: 'p2._.1001', running: true, deviceIds: ['GPU-A'] });
    store.containers.push({ id: 'c2', name: 'p2._.1001', removed_at: null });
    store.events.push(ev('container.created', 'c2'));
    expect(rules(docker, store)).toContain('slot-shared');
    expect(rules(docker, store)).toContain('running-without-allocation');
  });

  it('an active allocation whose container is not running; a reservation only past its window', () => {
    const { docker, store } = healthy();
    (docker[0] as DockerContainer).running = false;
    expect(rules(docker, store)).toContain('allocation-without-container');
    const fresh = healthy();
    fresh.store.allocations.push({
      id: 2,
      slot_uuid: 'GPU-B',
      container_id: null,
      state: 'active',
      allocated_at: NOW - 1000,
    });
    fresh.store.events.push(ev('allocation.reserved', null, { slots: ['GPU-B'] }));
    expect(rules(fresh.docker, fresh.store)).toEqual([]);
    (fresh.store.allocations[1] as { allocated_at: number }).allocated_at = NOW - RESERVATION_WINDOW_MS - 1;
    expect(rules(fresh.docker, fresh.store)).toEqual(['allocation-without-container']);
  });

  it('half done: Docker and store disagree, or a claim is left', () => {
    const a = healthy();
    a.docker.push({ id: 'c9', name: 'x._.1000', running: false, deviceIds: [] });
    expect(rules(a.docker, a.store)).toEqual(['half-done']);
    const b = healthy();
    b.store.claims.push({ docker_name: 'p3._.1000' });
    expect(rules(b.docker, b.store)).toEqual(['half-done']);
  });

  it('queue entries lost, ended twice, or not audited', () => {
    const { docker, store } = healthy();
    expect(rules(docker, store, [7, 8])).toEqual(['queue-lost']);
    store.events.push(ev('queue.served', 'c1', { queueId: 7 }));
    expect(rules(docker, store)).toEqual(['queue-served-twice']);
    const c = healthy();
    c.store.events = c.store.events.filter((e) => e.kind !== 'queue.joined');
    expect(rules(c.docker, c.store)).toEqual(['audit-missing']);
  });

  it('state changes without their audit events, and a damaged database', () => {
    const a = healthy();
    a.store.events = a.store.events.filter((e) => e.kind !== 'allocation.reserved');
    expect(rules(a.docker, a.store)).toEqual(['audit-missing']);
    const b = healthy();
    b.store.containers.push({ id: 'c0', name: 'old._.1000', removed_at: NOW - 5 });
    b.store.events.push(ev('container.created', 'c0'));
    expect(rules(b.docker, b.store)).toEqual(['audit-missing']);
    b.store.events.push(ev('container.retired', 'c0'));
    b.store.integrity = '*** in database main *** Page 4 is never used';
    expect(rules(b.docker, b.store)).toEqual(['sqlite-integrity']);
  });
});

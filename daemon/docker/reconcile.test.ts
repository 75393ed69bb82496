import { describe, expect, it } from 'vitest';
import type { ContainerRow } from '../store/containers.js';
import type { DockerContainer } from './client.js';
import { interruptedDeploys, planReconcile, runChange, stoppedInDocker } from './reconcile.js';

const row = (id: string, state = 'running'): ContainerRow => ({
  id,
  name: `${id}._.1000`,
  project: id,
  owner_uid: 1000,
  owner_name: 'alice',
  image: 'img',
  state,
  created_at: 0,
  started_at: 0,
  stopped_at: null,
  removed_at: null,
  runtime_ms: 0,
  limits_json: null,
  extensions: 0,
  origin: 'ds01',
});
const dc = (
  id: string,
  state = 'running',
  labels: Record<string, string> = { 'ds01.owner.uid': '1000' },
): DockerContainer => ({
  id,
  name: `${id}._.1000`,
  image: 'img',
  state,
  labels,
  createdAt: 0,
  startedAt: null,
  finishedAt: null,
});

const trusted = (d: DockerContainer) => d.labels['ds01.signature'] !== 'forged';

describe('planReconcile', () => {
  it('never adopts a container it does not trust, whatever its labels say', () => {
    const forged = dc('f', 'running', { 'ds01.owner.uid': '1000', 'ds01.signature': 'forged' });
    expect(planReconcile([], [forged], { trusted })).toEqual([]);
    // Known by id in the store: tracked whatever its labels.
    expect(planReconcile([row('f', 'exited')], [forged], { trusted })).toEqual([
      { kind: 'state', id: 'f', from: 'exited', to: 'running' },
    ]);
  });

  it('nothing to do when store and Docker agree', () => {
    expect(planReconcile([row('a')], [dc('a')], { trusted })).toEqual([]);
  });
  it('a container removed behind our back has vanished', () => {
    expect(planReconcile([row('a')], [], { trusted })).toEqual([
      { kind: 'vanished', id: 'a', name: 'a._.1000', ownerUid: 1000 },
    ]);
  });
  it('a labelled container created behind our back is adopted; an unlabelled one is not ours', () => {
    const plan = planReconcile([], [dc('b'), dc('c', 'running', {})], { trusted });
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({ kind: 'adopt', owner: { uid: 1000, project: 'b' } });
  });
  it('a container that merely inherits ds01 labels from a user image (a build step, a docker run) is not adopted', () => {
    const labels = { 'ds01.owner.uid': '1000', 'ds01.owner.name': 'alice' };
    const build = { ...dc('d', 'exited', labels), name: 'epic_allen' };
    const otherUid = { ...dc('e', 'running', labels), name: 'e._.1001' };
    expect(planReconcile([], [build, otherUid], { trusted })).toEqual([]);
  });
  it('a forged non-numeric owner label is ignored', () => {
    expect(planReconcile([], [dc('x', 'running', { 'ds01.owner.uid': '0; rm' })], { trusted })).toEqual([]);
  });
  it('state drift is reported', () => {
    expect(planReconcile([row('a', 'running')], [dc('a', 'exited')], { trusted })).toEqual([
      { kind: 'state', id: 'a', from: 'running', to: 'exited' },
    ]);
  });
  it('a scope limits the plan to the named containers', () => {
    expect(planReconcile([row('a'), row('b')], [], { trusted, scope: new Set(['b']) })).toEqual([
      { kind: 'vanished', id: 'b', name: 'b._.1000', ownerUid: 1000 },
    ]);
  });
});

describe('interruptedDeploys', () => {
  const deployLabels = { 'ds01.owner.uid': '1000', 'ds01.deploy': 'true' };
  it('names the deploys recorded before this process started and still created in Docker and the store', () => {
    const got = interruptedDeploys(
      [
        row('cut', 'created'),
        row('made', 'created'),
        row('ran', 'running'),
        row('gone', 'created'),
        { ...row('mine', 'created'), created_at: 50 },
      ],
      [
        dc('cut', 'created', deployLabels),
        dc('made', 'created'),
        dc('ran', 'running', deployLabels),
        dc('mine', 'created', deployLabels),
      ],
      10,
    );
    expect(got.map((r) => r.id)).toEqual(['cut']);
  });

  it('leaves a deploy Docker already started (the store catches up through reconcile)', () => {
    expect(interruptedDeploys([row('x', 'created')], [dc('x', 'running', deployLabels)], 10)).toEqual([]);
  });
});

describe('runChange', () => {
  it('starts and stops as Docker reports, a never-started container going dead counting as stopped', () => {
    expect(runChange('created', 'running')).toBe('started');
    expect(runChange('exited', 'running')).toBe('started');
    expect(runChange('running', 'exited')).toBe('stopped');
    expect(runChange('paused', 'dead')).toBe('stopped');
    expect(runChange('created', 'exited')).toBe('stopped');
    expect(runChange('created', 'dead')).toBe('stopped');
    expect(runChange('running', 'paused')).toBeNull();
    expect(runChange('exited', 'dead')).toBeNull();
    expect(runChange('exited', 'created')).toBeNull();
  });
});

describe('stoppedInDocker', () => {
  it('names the rows whose container Docker reports exited, dead or being removed', () => {
    const got = stoppedInDocker(
      [row('a'), row('b', 'exited'), row('c', 'created'), row('d'), row('e', 'created'), row('gone')],
      [dc('a', 'exited'), dc('b', 'dead'), dc('c', 'created'), dc('d', 'running'), dc('e', 'removing')],
    );
    expect(got.map((r) => r.id)).toEqual(['a', 'b', 'e']);
  });
});

describe('planReconcile: leftovers', () => {
  it('a container Docker has whose row says removed is finished off, never adopted again', () => {
    const signed = { 'ds01.owner.uid': '1000', 'ds01.signature': 'ok' };
    const plan = planReconcile([], [dc('old', 'dead', signed), dc('new', 'created', signed)], {
      trusted,
      removed: (id) => id === 'old',
    });
    expect(plan.map((a) => a.kind)).toEqual(['leftover', 'adopt']);
    expect(plan[0]).toMatchObject({ kind: 'leftover', id: 'old' });
  });
});

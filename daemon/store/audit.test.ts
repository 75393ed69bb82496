import { describe, expect, it } from 'vitest';
import { auditLog } from './audit.js';
import type { NewEvent } from './events.js';

describe('auditLog', () => {
  const written: NewEvent[] = [];
  const audit = auditLog(
    {
      append: (e) => {
        written.push(e);
        return undefined as never;
      },
    },
    () => 42,
  );

  it('dates events by the clock unless told when, and fills what was not given with null', () => {
    audit.byUser({ uid: 1000, name: 'ann' }, 'container.started', { subjectUid: 1000 }, 'started');
    audit.byDaemon(
      'allocation.held',
      { subjectUid: 1000, containerId: 'c1', containerName: 'x._.1000' },
      'held',
      { slots: [] },
      7,
    );
    audit.by({ uid: null, name: 'gpu-refresh' }, 'gpu.slots_added', { subjectUid: null }, null);
    expect(written).toEqual([
      {
        ts: 42,
        actorUid: 1000,
        actorName: 'ann',
        subjectUid: 1000,
        containerId: null,
        containerName: null,
        kind: 'container.started',
        reason: 'started',
        data: null,
      },
      {
        ts: 7,
        actorUid: null,
        actorName: 'ds01d',
        subjectUid: 1000,
        containerId: 'c1',
        containerName: 'x._.1000',
        kind: 'allocation.held',
        reason: 'held',
        data: { slots: [] },
      },
      {
        ts: 42,
        actorUid: null,
        actorName: 'gpu-refresh',
        subjectUid: null,
        containerId: null,
        containerName: null,
        kind: 'gpu.slots_added',
        reason: null,
        data: null,
      },
    ]);
  });
});

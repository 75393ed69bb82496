import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../api/types/events.js';
import type { NotifyChannel } from '../policy/notifications.js';
import { webhookBody } from './bodies.js';
import { retryDelay } from './retry.js';
import { routeEvent } from './route.js';

const ev = (kind: string, extra: Partial<AuditEvent> = {}): AuditEvent => ({
  id: 7,
  ts: '2026-11-27T18:00:00.000Z',
  actor: 'ds01d',
  actorUid: null,
  subjectUid: 1001,
  containerId: 'abc',
  containerName: null,
  kind,
  reason: 'your queued request 3 got its GPU and was deployed',
  data: null,
  ...extra,
});
const ch = (name: string, on: string[]): NotifyChannel => ({
  name,
  type: 'webhook',
  urlFile: '/x',
  to: [],
  on,
});

describe('routeEvent', () => {
  it('tells the subject on a topic they chose, naming the container', () => {
    const out = routeEvent({
      event: ev('queue.served'),
      container: 'thesis',
      subjectTopics: ['queue.served'],
      channels: [],
    });
    expect(out).toHaveLength(1);
    expect(out[0]?.target).toEqual({ kind: 'user', uid: 1001 });
    expect(out[0]?.subject).toBe('ds01: your queued container thesis is running');
    expect(out[0]?.body).toContain('container: thesis');
    expect(out[0]?.body).toContain('2026-11-27 18:00:00 UTC');
  });

  it('a storage quota warning reaches its user on the quota topic, with the sentence that says what to delete', () => {
    const reason =
      'your ~/workspace uses 85.0 GiB, 85% of its 100.0 GiB quota … Largest in ~/workspace: data (60.0 GiB)';
    const out = routeEvent({
      event: ev('quota.warning', { containerId: null, reason }),
      container: null,
      subjectTopics: ['quota'],
      channels: [],
    });
    expect(out.map((x) => [x.topic, x.subject])).toEqual([
      ['quota', 'ds01: your disk use is near or over its quota'],
    ]);
    expect(out[0]?.body).toContain('Largest in ~/workspace: data (60.0 GiB)');
    expect(
      routeEvent({ event: ev('quota.cleared'), container: null, subjectTopics: ['quota'], channels: [] }),
    ).toEqual([]);
  });

  it('not on topics the user left out, nor when e-mail is off (null), nor without a subject', () => {
    expect(
      routeEvent({ event: ev('queue.served'), container: 'x', subjectTopics: ['stopped'], channels: [] }),
    ).toEqual([]);
    expect(
      routeEvent({ event: ev('queue.served'), container: 'x', subjectTopics: null, channels: [] }),
    ).toEqual([]);
    expect(
      routeEvent({
        event: ev('queue.served', { subjectUid: null }),
        container: 'x',
        subjectTopics: ['queue.served'],
        channels: [],
      }),
    ).toEqual([]);
  });

  it('job kinds are one topic, job.finished', () => {
    for (const k of ['job.completed', 'job.failed', 'job.timed_out', 'job.cancelled', 'job.lost'])
      expect(
        routeEvent({ event: ev(k), container: null, subjectTopics: ['job.finished'], channels: [] })[0]
          ?.topic,
      ).toBe('job.finished');
  });

  it('channels take admin topics, user topics, exact kinds and prefixes', () => {
    const channels = [
      ch('a', ['policy']),
      ch('b', ['gpu.']),
      ch('c', ['queue.served']),
      ch('d', ['daemon.started']),
    ];
    const names = (kind: string) =>
      routeEvent({ event: ev(kind), container: null, subjectTopics: null, channels }).map((x) =>
        x.target.kind === 'channel' ? x.target.name : 'user',
      );
    expect(names('policy.rejected')).toEqual(['a']);
    expect(names('gpu.drained')).toEqual(['b']);
    expect(names('queue.served')).toEqual(['c']);
    expect(names('daemon.started')).toEqual(['d']);
    expect(names('container.created')).toEqual([]);
  });

  it('a notify.failed never goes back to the channel that failed, nor by a prefix', () => {
    const channels = [ch('hook', ['notify']), ch('other', ['notify']), ch('all', ['notify.'])];
    const out = routeEvent({
      event: ev('notify.failed', { subjectUid: null, data: { channel: 'hook' } }),
      container: null,
      subjectTopics: null,
      channels,
    });
    expect(out.map((x) => (x.target.kind === 'channel' ? x.target.name : ''))).toEqual(['other']);
  });
});

describe('webhook bodies and retries', () => {
  const n = { topic: 'health', subject: 'ds01: <!channel> GPU 2', body: 'line1\nline2', event: { id: 1 } };
  it('each flavour has its shape; Slack text cannot mention @channel', () => {
    expect(webhookBody('slack', n)).toEqual({ text: '*ds01: &lt;!channel&gt; GPU 2*\nline1\nline2' });
    expect(webhookBody('mattermost', n)).toMatchObject({
      username: 'ds01',
      text: '#### ds01: <!channel> GPU 2\nline1\nline2',
    });
    expect(webhookBody('teams', n)).toMatchObject({
      '@type': 'MessageCard',
      title: n.subject,
      text: 'line1<br>line2',
    });
    expect(webhookBody('webhook', n)).toMatchObject({ source: 'ds01', topic: 'health', event: { id: 1 } });
  });
  it('back-off doubles from the base, jitters up to a fifth, and stops growing at an hour', () => {
    expect(retryDelay(1, 1000, 0)).toBe(1000);
    expect(retryDelay(3, 1000, 0)).toBe(4000);
    expect(retryDelay(3, 1000, 1)).toBe(4800);
    expect(retryDelay(40, 1000, 0)).toBe(3_600_000);
  });
});

import { describe, expect, it } from 'vitest';
import type { Notice } from './lifecycle.js';
import { fitNotices, readNoticesHeader } from './notice-header.js';

const notice = (id: number, message = `notice ${id}`): Notice => ({
  id,
  ts: '2026-11-28T00:00:00.000Z',
  container: 'c1',
  kind: 'action',
  message,
  deadline: null,
  shown: false,
});

describe('the notices header', () => {
  it('carries notices through a header value and back, non-ASCII included', () => {
    const notices = [notice(1, 'stopped — idle 2 h, GPU ü'), notice(2)];
    const { fitted, value } = fitNotices(notices);
    expect(fitted).toEqual(notices);
    expect(value).toMatch(/^[A-Za-z0-9+/=]+$/); // a plain header value: no line break, no byte over 0x7e
    expect(readNoticesHeader(value ?? undefined)).toEqual(notices);
  });

  it('sends none when there are none', () => {
    expect(fitNotices([])).toEqual({ fitted: [], value: null });
  });

  it('keeps to its size, oldest first; the rest wait for the next command', () => {
    const notices = Array.from({ length: 40 }, (_, i) => notice(i, 'x'.repeat(300)));
    const { fitted, value } = fitNotices(notices, 4096);
    expect(fitted.length).toBeGreaterThan(5);
    expect(fitted.length).toBeLessThan(40);
    expect(fitted).toEqual(notices.slice(0, fitted.length));
    expect(value?.length).toBeLessThanOrEqual(4096);
    expect(fitNotices([notice(1, 'y'.repeat(5000))], 4096)).toEqual({ fitted: [], value: null });
  });

  it('reads a missing or unreadable header as no notices, never an error', () => {
    expect(readNoticesHeader(undefined)).toEqual([]);
    expect(readNoticesHeader('')).toEqual([]);
    expect(readNoticesHeader('not base64 json')).toEqual([]);
    expect(readNoticesHeader(Buffer.from('{"message":"x"}').toString('base64'))).toEqual([]);
    const mixed = Buffer.from(JSON.stringify([null, 3, { message: 7 }, { message: 'ok' }])).toString(
      'base64',
    );
    expect(readNoticesHeader(mixed)).toEqual([{ message: 'ok' }]);
  });
});

import { describe, expect, it } from 'vitest';
import { AnswerCache } from './answer-cache.js';

describe('AnswerCache', () => {
  it('computes once per version and key, and again when the version moves', () => {
    const c = new AnswerCache();
    let n = 0;
    const make = () => `answer ${++n}`;
    expect(c.get('v1', 'a', make)).toBe('answer 1');
    expect(c.get('v1', 'a', make)).toBe('answer 1');
    expect(c.get('v1', 'b', make)).toBe('answer 2');
    expect(c.get('v2', 'a', make)).toBe('answer 3');
    expect(c.get('v2', 'b', make)).toBe('answer 4');
  });

  it('keeps nothing without a version (inside a transaction)', () => {
    const c = new AnswerCache();
    let n = 0;
    expect(c.get(null, 'a', () => `${++n}`)).toBe('1');
    expect(c.get(null, 'a', () => `${++n}`)).toBe('2');
  });

  it('keeps at most its size, dropping the oldest answers first', () => {
    const c = new AnswerCache(10);
    let n = 0;
    const make = (s: string) => () => {
      n++;
      return s;
    };
    c.get('v', 'a', make('aaaa'));
    c.get('v', 'b', make('bbbb'));
    c.get('v', 'c', make('cccc')); // a is dropped
    expect(n).toBe(3);
    c.get('v', 'b', make('bbbb'));
    c.get('v', 'c', make('cccc'));
    expect(n).toBe(3);
    c.get('v', 'a', make('aaaa'));
    expect(n).toBe(4);
    c.get('v', 'big', make('x'.repeat(11))); // larger than the whole cache: answered, not kept
    c.get('v', 'big', make('x'.repeat(11)));
    expect(n).toBe(6);
  });
});

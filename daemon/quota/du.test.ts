import { describe, expect, it } from 'vitest';
import { DuReader, parseDu, printable } from './du.js';

describe('parseDu', () => {
  it('reads the total and the largest top-level entries from NUL-separated output', () => {
    const out = [
      '4096\t/h/u/workspace/a',
      '9000\t/h/u/workspace/b\nc',
      '100\t/h/u/workspace/f',
      '13196\t/h/u/workspace',
      '',
    ].join('\0');
    const r = parseDu(out, '/h/u/workspace', 2);
    expect(r.totalBytes).toBe(13196);
    expect(r.largest).toEqual([
      { name: 'b\\x0ac', bytes: 9000 },
      { name: 'a', bytes: 4096 },
    ]);
  });
  it('has no total when du printed none', () => {
    expect(parseDu('', '/w').totalBytes).toBeNull();
    expect(parseDu('x\t/w\0', '/w').totalBytes).toBeNull();
  });
  it('makes names printable: escapes, long names cut', () => {
    expect(printable('\u001b[31mred')).toBe('\\x1b[31mred');
    expect(printable('a'.repeat(100))).toHaveLength(60);
  });
});

describe('DuReader', () => {
  it('reads records split across chunks and keeps only the largest entries', () => {
    const r = new DuReader('/w', 3);
    const out = Buffer.from(
      `${Array.from({ length: 1000 }, (_, i) => `${i}\t/w/f${i}`).join('\0')}\x00999999\t/w\x00`,
    );
    for (let i = 0; i < out.length; i += 7) r.push(out.subarray(i, i + 7));
    expect(r.end()).toEqual({
      totalBytes: 999999,
      largest: [
        { name: 'f999', bytes: 999 },
        { name: 'f998', bytes: 998 },
        { name: 'f997', bytes: 997 },
      ],
    });
  });
  it('cut short: the finished top-level entries as a lower bound, the record being written dropped', () => {
    const r = new DuReader('/w', 2);
    r.push(Buffer.from('100\t/w/a\x00200\t/w/b\x00300\t/w/c\x00400\t/w/d\x0012'));
    expect(r.endCutShort()).toEqual({
      totalBytes: 1000,
      partial: true,
      largest: [
        { name: 'd', bytes: 400 },
        { name: 'c', bytes: 300 },
      ],
    });
  });
});

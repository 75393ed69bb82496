import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSmaps } from './smaps.js';

const entry = (range: string, name: string, rssKiB: number) =>
  `${range} rw-p 00000000 00:00 0 ${name}\nSize: 0 kB\nRss:                ${rssKiB} kB\nPss: 0 kB\n`;

describe('parseSmaps', () => {
  it('sorts resident memory into V8 pages, malloc, other anonymous and files', () => {
    const text = [
      entry('555555554000-555555600000', '/usr/bin/node', 900),
      entry('555556000000-555556400000', '[heap]', 3000),
      entry('7f0000000000-7f0000040000', '', 200), // 256 KiB: a V8 page
      entry('7f0000040000-7f0000080000', '', 256),
      entry('7f0000100000-7f0000200000', '', 1000), // 1 MiB: something else
      entry('7ffc00000000-7ffc00021000', '[stack]', 40),
      entry('7f1000000000-7f1000001000', '/usr/lib/x86_64-linux-gnu/libc.so.6', 4),
    ].join('');
    expect(parseSmaps(text)).toEqual({
      v8PagesKiB: 456,
      v8Pages: 2,
      mallocKiB: 3000,
      otherAnonKiB: 1040,
      fileKiB: 904,
    });
  });

  it('reads this process: the parts add up to its Rss', () => {
    const text = readFileSync('/proc/self/smaps', 'utf8');
    const b = parseSmaps(text);
    const total = [...text.matchAll(/^Rss:\s+(\d+) kB/gm)].reduce((s, m) => s + Number(m[1]), 0);
    expect(b.v8PagesKiB + b.mallocKiB + b.otherAnonKiB + b.fileKiB).toBe(total);
    expect(b.fileKiB).toBeGreaterThan(0);
  });
});

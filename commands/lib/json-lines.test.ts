import { describe, expect, it } from 'vitest';
import { jsonLine, lineSplitter } from './json-lines.js';

describe('lineSplitter', () => {
  it('joins lines cut across chunks, per stream, and keeps streams apart', () => {
    const s = lineSplitter<'stdout' | 'stderr'>();
    expect(s.push('stdout', 'hel')).toEqual([]);
    expect(s.push('stderr', 'oops\nhalf')).toEqual([{ stream: 'stderr', line: 'oops' }]);
    expect(s.push('stdout', 'lo\r\nworld\n')).toEqual([
      { stream: 'stdout', line: 'hello' },
      { stream: 'stdout', line: 'world' },
    ]);
    expect(s.end()).toEqual([{ stream: 'stderr', line: 'half' }]);
    expect(s.end()).toEqual([]);
  });

  it('keeps empty lines and prints one object per line', () => {
    const s = lineSplitter<'stdout'>();
    expect(s.push('stdout', '\n\n').map((l) => l.line)).toEqual(['', '']);
    expect(jsonLine({ line: 'a"b\nc' })).toBe('{"line":"a\\"b\\nc"}\n');
  });
});

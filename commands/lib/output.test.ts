import { describe, expect, it } from 'vitest';
import { duration, table } from './output.js';

describe('table', () => {
  it('aligns columns and trims trailing space', () => {
    expect(
      table(
        ['A', 'LONGER'],
        [
          ['x', 'y'],
          ['xyz', ''],
        ],
      ),
    ).toBe('A    LONGER\nx    y\nxyz\n');
  });
  it('fits the width by shortening the widest column', () => {
    const out = table(['NAME', 'IMAGE'], [['n', 'x'.repeat(200)]], 40);
    for (const l of out.split('\n')) expect(l.length).toBeLessThanOrEqual(40);
    expect(out).toContain('…');
  });
});

describe('duration', () => {
  it('reads like a person would say it', () => {
    expect(duration(5_000)).toBe('5s');
    expect(duration(90 * 60_000)).toBe('1h30m');
    expect(duration(3 * 86_400_000)).toBe('3d');
  });
});

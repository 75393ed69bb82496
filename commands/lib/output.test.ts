import { describe, expect, it } from 'vitest';
import { idFor, prose, table } from './output.js';

const tty = (columns: number) => ({ isTTY: true, wide: false, columns });

describe('table', () => {
  it('aligns columns and trims trailing space', () => {
    expect(
      table(
        ['A', 'LONGER'],
        [
          ['x', 'y'],
          ['xyz', ''],
        ],
        tty(80),
      ),
    ).toBe('A    LONGER\nx    y\nxyz\n');
  });
  it('fits the terminal by shortening the widest column', () => {
    const out = table(['NAME', 'IMAGE'], [['n', 'x'.repeat(200)]], tty(40));
    for (const l of out.split('\n')) expect(l.length).toBeLessThanOrEqual(40);
    expect(out).toContain('…');
  });
  it('fits 80 columns even with many wide columns', () => {
    const row = Array.from({ length: 9 }, (_, i) => `${i}`.repeat(30));
    const out = table(
      row.map((_, i) => `H${i}`),
      [row],
      tty(80),
    );
    for (const l of out.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
  });
  it('cuts nothing with --wide or in a pipe', () => {
    const long = 'x'.repeat(200);
    expect(table(['A'], [[long]], { isTTY: true, wide: true, columns: 80 })).toContain(long);
    expect(table(['A'], [[long]], { isTTY: false, columns: 80 })).toContain(long);
  });
});

describe('idFor', () => {
  const id = 'MIG-447265cb-1234-5678-9abc-def012345678';
  it('abbreviates only on a terminal without --wide', () => {
    expect(idFor({ isTTY: true }, id)).toBe('MIG-447265cb…');
    expect(idFor({ isTTY: true, wide: true }, id)).toBe(id);
    expect(idFor({ isTTY: false }, id)).toBe(id);
  });
});

describe('prose', () => {
  it('wraps at spaces to the terminal, continuation indented; a pipe gets one line', () => {
    const line = `  Idle means: ${'word '.repeat(30).trim()}`;
    const out = prose({ isTTY: true, columns: 40 }, line, '    ');
    const lines = out.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(40);
    for (const l of lines.slice(1)) expect(l.startsWith('    word')).toBe(true);
    expect(prose({ isTTY: false, columns: 40 }, line)).toBe(`${line}\n`);
  });
  it('cuts a single word longer than the line', () => {
    const out = prose({ isTTY: true, columns: 20 }, `path: /${'x'.repeat(40)}`);
    for (const l of out.trimEnd().split('\n')) expect(l.length).toBeLessThanOrEqual(20);
  });
});

import { describe, expect, it } from 'vitest';
import { describeWait } from './wait.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const at = (ms: number) => new Date(NOW + ms).toISOString();

describe('describeWait: one wording for queue, gpu-avail and dashboard', () => {
  it('renders each kind', () => {
    expect(describeWait({ kind: 'now', at: null, why: null }, NOW)).toBe('now');
    expect(describeWait({ kind: 'at', at: at(5 * 60_000), why: 'hold' }, NOW)).toBe('~5m');
    expect(describeWait({ kind: 'at', at: at(3 * 3600_000), why: 'max_runtime' }, NOW)).toBe(
      '~3h (max_runtime)',
    );
    expect(describeWait({ kind: 'unknown', at: null, why: 'no deadline' }, NOW)).toBe('unknown: no deadline');
  });
  it('a deadline read after it passed is "now", never a negative or frozen time', () => {
    expect(describeWait({ kind: 'at', at: at(-1000), why: 'hold' }, NOW)).toBe('now');
  });
});

import { describe, expect, it } from 'vitest';
import { parseWhen } from './usage.js';

const NOW = Date.UTC(2025, 2, 10, 12);

describe('parseWhen', () => {
  it('durations ago, ISO dates, now, and the fallback', () => {
    expect(parseWhen('7d', 'from', NOW, 0)).toBe(NOW - 7 * 86_400_000);
    expect(parseWhen('1.5h', 'from', NOW, 0)).toBe(NOW - 1.5 * 3600_000);
    expect(parseWhen('2w', 'from', NOW, 0)).toBe(NOW - 14 * 86_400_000);
    expect(parseWhen('2025-03-01', 'from', NOW, 0)).toBe(Date.UTC(2025, 2, 1));
    expect(parseWhen('now', 'to', NOW, 0)).toBe(NOW);
    expect(parseWhen(undefined, 'to', NOW, 42)).toBe(42);
  });

  it('says what to write instead of guessing', () => {
    expect(() => parseWhen('last tuesday', 'from', NOW, 0)).toThrow(/--from "last tuesday" is not a time/);
  });
});

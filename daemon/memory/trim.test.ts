import { describe, expect, it } from 'vitest';
import { QUIET_UTILIZATION, shouldTrim, TRIM_GROWTH_BYTES } from './trim.js';

const MiB = 2 ** 20;

describe('shouldTrim', () => {
  it('trims once a burst is over and left the process well above its floor', () => {
    expect(shouldTrim({ rss: 160 * MiB, floor: 95 * MiB, utilization: 0.01 })).toBe(true);
  });
  it('waits while the loop is busy: trimming mid-burst only makes the next requests fault pages back in', () => {
    expect(shouldTrim({ rss: 160 * MiB, floor: 95 * MiB, utilization: 0.9 })).toBe(false);
    expect(shouldTrim({ rss: 160 * MiB, floor: 95 * MiB, utilization: QUIET_UTILIZATION })).toBe(false);
  });
  it('leaves small growth alone', () => {
    expect(shouldTrim({ rss: 95 * MiB + TRIM_GROWTH_BYTES - 1, floor: 95 * MiB, utilization: 0 })).toBe(
      false,
    );
    expect(shouldTrim({ rss: 95 * MiB + TRIM_GROWTH_BYTES, floor: 95 * MiB, utilization: 0 })).toBe(true);
  });
});

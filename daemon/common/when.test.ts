import { describe, expect, it } from 'vitest';
import { utcWhen } from './when.js';

describe('utcWhen', () => {
  it('writes an absolute time with its zone, from ms, ISO text or a Date', () => {
    const t = Date.UTC(2026, 10, 29, 15, 20, 40);
    expect(utcWhen(t)).toBe('2026-11-29 15:20 UTC');
    expect(utcWhen(new Date(t).toISOString())).toBe('2026-11-29 15:20 UTC');
    expect(utcWhen(new Date(t), { seconds: true })).toBe('2026-11-29 15:20:40 UTC');
  });
  it('leaves text it cannot read as it is', () => {
    expect(utcWhen('soon')).toBe('soon');
  });
});

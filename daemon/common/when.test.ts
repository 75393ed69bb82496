import { afterEach, describe, expect, it } from 'vitest';
import { localWhen } from './when.js';

const T = Date.UTC(2026, 10, 29, 15, 20, 33); // 2026-11-29 15:20:33 UTC
const saved = process.env.TZ;
afterEach(() => {
  if (saved === undefined) delete process.env.TZ;
  else process.env.TZ = saved;
});

describe('localWhen', () => {
  it('says the time in the local zone, with the zone', () => {
    process.env.TZ = 'Europe/Berlin';
    expect(localWhen(T)).toBe('2026-11-29 16:20 CET');
    expect(localWhen(new Date(T).toISOString(), { seconds: true })).toBe('2026-11-29 16:20:33 CET');
    process.env.TZ = 'Asia/Kolkata';
    expect(localWhen(T)).toBe('2026-11-29 20:50 GMT+5:30');
    process.env.TZ = 'UTC';
    expect(localWhen(T)).toBe('2026-11-29 15:20 UTC');
    // Summer time is named as such.
    process.env.TZ = 'Europe/Berlin';
    expect(localWhen(Date.UTC(2026, 6, 1, 12))).toBe('2026-07-01 14:00 CEST');
  });

  it('takes an explicit zone, and gives back what is not a time', () => {
    expect(localWhen(T, { zone: 'America/New_York' })).toBe('2026-11-29 10:20 GMT-5');
    expect(localWhen('soon')).toBe('soon');
  });
});

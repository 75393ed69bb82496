import { describe, expect, it } from 'vitest';
import { parseLength, parseWhen } from './when.js';

describe('parseWhen', () => {
  const now = new Date(2026, 10, 27, 18, 0); // a Friday, local time
  it('reads natural times forward from now, in the local zone', async () => {
    expect(await parseWhen('tomorrow 09:00', now, '--from')).toEqual(new Date(2026, 10, 28, 9, 0));
    expect(await parseWhen('monday 14:30', now, '--from')).toEqual(new Date(2026, 10, 30, 14, 30));
    expect(await parseWhen('in 2 hours', now, '--from')).toEqual(new Date(2026, 10, 27, 20, 0));
    expect(await parseWhen('now', now, '--from')).toBe(now);
    expect((await parseWhen('2026-12-01T09:00:00Z', now, '--from')).toISOString()).toBe(
      '2026-12-01T09:00:00.000Z',
    );
  });
  it('says what it wants when it cannot read the time', async () => {
    await expect(parseWhen('whenever', now, '--from')).rejects.toThrow(/--from: cannot read "whenever"/);
  });
});

describe('parseLength', () => {
  it('reads hours, minutes, days and seconds, alone or together', () => {
    expect(parseLength('4h', '--for')).toBe(4 * 3_600_000);
    expect(parseLength('2h30m', '--for')).toBe(150 * 60_000);
    expect(parseLength('1.5h', '--for')).toBe(90 * 60_000);
    expect(parseLength('45s', '--for')).toBe(45_000);
  });
  it('refuses what is not a length', () => {
    for (const bad of ['', '4', '0h', '-1h', 'h', '4 hours'])
      expect(() => parseLength(bad, '--for')).toThrow(/--for/);
  });
});

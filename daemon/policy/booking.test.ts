// The `booking:` section: top-level defaults, per-group overrides of single keys, and errors with a line.
import { describe, expect, it } from 'vitest';
import { BUILTIN_BOOKING, bookingPolicyFor } from '../booking/types.js';
import { parsePolicy } from './load.js';

const H = 3_600_000;

describe('booking policy', () => {
  it('reads top-level keys and lets a group override only the keys it names', () => {
    const r = parsePolicy(
      `booking:\n  max_hours_per_week: 10\n  max_ahead: 3d\n  max_length: 2h\n  profiles: [3g.40gb, 1g.10gb]\n  no_show_grace: 10m\ngroups:\n  staff:\n    booking:\n      max_length: 8h\n      profiles: null\n  students: {}\ndefault_group: students\n`,
      'p.yaml',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(bookingPolicyFor(r.policy, 'students')).toEqual({
      maxHoursPerWeek: 10,
      maxAheadMs: 72 * H,
      maxLengthMs: 2 * H,
      profiles: ['3g.40gb', '1g.10gb'],
      noShowGraceMs: 10 * 60_000,
    });
    expect(bookingPolicyFor(r.policy, 'staff')).toMatchObject({
      maxHoursPerWeek: 10,
      maxLengthMs: 8 * H,
      profiles: null,
    });
  });

  it('has safe defaults without a booking section', () => {
    const r = parsePolicy('defaults: {}\n', 'p.yaml');
    if (!r.ok) throw new Error('unexpected');
    expect(bookingPolicyFor(r.policy, 'default')).toEqual(BUILTIN_BOOKING);
  });

  it('names the line of an unknown key and of a zero length', () => {
    const r = parsePolicy('booking:\n  max_hours: 3\n  max_length: 0\n', 'p.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.line, e.message])).toEqual([
      [2, expect.stringContaining('max_hours')],
      [3, expect.stringContaining('max_length 0')],
    ]);
  });
});

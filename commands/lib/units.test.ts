import { describe, expect, it } from 'vitest';
import {
  ago,
  clock,
  duration,
  fromNow,
  gpuHours,
  percent,
  rate,
  size,
  sizeMiB,
  usedOf,
  uuid,
} from './units.js';

describe('size', () => {
  it('uses binary units with one decimal', () => {
    expect(size(0)).toBe('0 B');
    expect(size(512)).toBe('512 B');
    expect(size(1536)).toBe('1.5 KiB');
    expect(size(1.8 * 1024 ** 2)).toBe('1.8 MiB');
    expect(size(23.5 * 1024 ** 3)).toBe('23.5 GiB');
    expect(size(3 * 1024 ** 4)).toBe('3.0 TiB');
    expect(usedOf(1.8 * 1024 ** 2, 23.5 * 1024 ** 3)).toBe('1.8 MiB / 23.5 GiB');
  });
  it('moves up a unit instead of printing 1024.0', () => {
    expect(size(1024 ** 2 - 1)).toBe('1.0 MiB');
    expect(size(1023 * 1024)).toBe('1023.0 KiB');
  });
  it('reads unknown as "-"', () => {
    expect(size(null)).toBe('-');
    expect(size(Number.NaN)).toBe('-');
    expect(usedOf(1024, null)).toBe('1.0 KiB / -');
  });
  it('takes nvidia-smi MiB', () => {
    expect(sizeMiB(24064)).toBe('23.5 GiB');
    expect(sizeMiB(null)).toBe('-');
  });
});

describe('rate', () => {
  it("shows the policy's 1m network threshold as 1 MiB/s", () => {
    expect(rate(1048576)).toBe('1 MiB/s');
    expect(rate(1.5 * 1024 ** 2)).toBe('1.5 MiB/s');
    expect(rate(100)).toBe('100 B/s');
  });
});

describe('duration', () => {
  it('keeps the two largest units, never fractional hours', () => {
    expect(duration(60.5 * 3600_000)).toBe('2d 12h');
    expect(duration(3 * 86_400_000)).toBe('3d');
    expect(duration(65 * 60_000)).toBe('1h 5m');
    expect(duration(3600_000 + 5_000)).toBe('1h');
    expect(duration(95_000)).toBe('1m 35s');
    expect(duration(45_000)).toBe('45s');
    expect(duration(0)).toBe('0s');
    expect(duration(null)).toBe('-');
  });
  it('relative times', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(ago('2026-01-01T11:55:00Z', now)).toBe('5m ago');
    expect(ago('2026-01-01T12:05:00Z', now)).toBe('in 5m');
    expect(fromNow('2026-01-03T00:00:00Z', now)).toBe('in 1d 12h');
    expect(fromNow('2026-01-01T11:00:00Z', now)).toBe('now');
    expect(ago(null, now)).toBe('-');
  });
});

describe('clock', () => {
  it('is local time with the zone named', () => {
    expect(clock('2026-01-01T12:00:05Z', { zone: 'UTC' })).toBe('2026-01-01 12:00:05 UTC');
    expect(clock('2026-07-01T12:00:05Z', { zone: 'Europe/Berlin', seconds: false })).toBe(
      '2026-07-01 14:00 CEST',
    );
    expect(clock(null)).toBe('-');
  });
});

describe('gpuHours, percent', () => {
  it('two decimals for GPU-hours, one for percentages', () => {
    expect(gpuHours(1.5)).toBe('1.50');
    expect(gpuHours(0)).toBe('0.00');
    expect(percent(12.345)).toBe('12.3%');
    expect(percent(null)).toBe('-');
  });
});

describe('uuid', () => {
  const mig = 'MIG-447265cb-1234-5678-9abc-def012345678';
  it('abbreviates on a terminal, keeps it whole when wide', () => {
    expect(uuid(mig, false)).toBe('MIG-447265cb…');
    expect(uuid('GPU-12345678-aaaa-bbbb-cccc-dddddddddddd', false)).toBe('GPU-12345678…');
    expect(uuid(mig, true)).toBe(mig);
    expect(uuid('1.2', false)).toBe('1.2');
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { busKey, parseXidLines, xidMeaning } from './xid.js';

describe('Xid lines', () => {
  it('reads the recorded fell-off-the-bus log: the Xid lines only, with bus and number', () => {
    const text = readFileSync(
      join(import.meta.dirname, '../../testing/fixtures/kernel-log/xid-79.log'),
      'utf8',
    );
    expect(parseXidLines(text).map((x) => [x.bus, x.xid])).toEqual([
      ['0f:00', 79],
      ['47:00', 13],
    ]);
  });
  it('older drivers write the address without PCI: and with a function', () => {
    expect(parseXidLines('NVRM: Xid (0000:3B:00.0): 48, An uncorrectable double bit error')[0]).toMatchObject(
      {
        bus: '3b:00',
        xid: 48,
      },
    );
  });
  it('fatal ones drain; application faults do not; unknown numbers are not fatal', () => {
    expect(xidMeaning(79)).toEqual({ meaning: 'GPU has fallen off the bus', fatal: true });
    expect(xidMeaning(13).fatal).toBe(false);
    expect(xidMeaning(9999).fatal).toBe(false);
  });
  it('matches nvidia-smi bus ids', () => {
    expect(busKey('00000000:0F:00.0')).toBe('0f:00');
    expect(busKey(null)).toBeNull();
  });
});

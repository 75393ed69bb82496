import { describe, expect, it } from 'vitest';
import {
  assessReadings,
  decideGpuHealth,
  finding,
  HEALTH_CONDITIONS,
  type HealthCondition,
  TEMP_HYSTERESIS_C,
  UNHEALTHY_PROBES,
} from './health.js';
import type { GpuHealthReadings } from './types.js';

const healthy: GpuHealthReadings = {
  eccVolatileUncorrectable: 0,
  eccAggregateUncorrectable: 0,
  eccVolatileCorrectable: 0,
  eccAggregateCorrectable: 3,
  sramThresholdExceeded: false,
  retiredPagesSbe: 0,
  retiredPagesDbe: 0,
  retiredPagesPending: false,
  remappedRowsCorrectable: 0,
  remappedRowsUncorrectable: 0,
  remapPending: false,
  remapFailure: false,
  temperatureC: 40,
  tempShutdownC: 92,
  tempSlowdownC: 89,
  tempMaxOperatingC: 85,
  tempTargetC: null,
  tlimitMarginC: null,
  tlimitShutdownC: null,
  tlimitSlowdownC: null,
  tlimitMaxOperatingC: null,
  readingErrors: [],
};
const conditions = (over: Partial<GpuHealthReadings>, held: HealthCondition[] = []) =>
  assessReadings({ ...healthy, ...over }, new Set(held)).map((f) => [f.condition, f.severity]);

describe('assessReadings', () => {
  it('a healthy GPU (correctable errors only) has no condition', () => {
    expect(conditions({})).toEqual([]);
  });

  it.each([
    [{ eccVolatileUncorrectable: 2, eccAggregateUncorrectable: 2 }, 'ecc-uncorrectable-volatile', 'fatal'],
    [{ eccAggregateUncorrectable: 1 }, 'ecc-uncorrectable-aggregate', 'warning'],
    [{ sramThresholdExceeded: true }, 'sram-threshold', 'fatal'],
    [{ retiredPagesPending: true, retiredPagesDbe: 1 }, 'retired-pages-pending', 'fatal'],
    [{ retiredPagesSbe: 40, retiredPagesDbe: 20 }, 'retired-pages-limit', 'fatal'],
    [{ remapFailure: true }, 'remap-failure', 'fatal'],
    [{ remapPending: true }, 'remap-pending', 'fatal'],
    [{ temperatureC: 92 }, 'temp-shutdown', 'fatal'],
    [{ temperatureC: 91 }, 'temp-slowdown', 'warning'],
    [{ temperatureC: 86 }, 'temp-max-operating', 'warning'],
    [{ tempTargetC: 83, temperatureC: 84, tempMaxOperatingC: null }, 'temp-above-target', 'warning'],
    [{ readingErrors: ['temperature/gpu_temp: ERR!'] }, 'reading-error', 'failing'],
  ] as [Partial<GpuHealthReadings>, HealthCondition, string][])(
    '%o → %s (%s)',
    (over, condition, severity) => {
      expect(conditions(over)).toEqual([[condition, severity]]);
      expect(HEALTH_CONDITIONS[condition].severity).toBe(severity);
    },
  );

  it('59 retired pages are counted but not the replacement threshold', () => {
    expect(conditions({ retiredPagesSbe: 59 })).toEqual([]);
  });

  it('R555+ consumer boards: the margin to T.Limit against its (negative) thresholds', () => {
    const tlimit = { tempShutdownC: null, tempSlowdownC: null, tempMaxOperatingC: null };
    const r = { ...tlimit, tlimitShutdownC: -7, tlimitSlowdownC: -2, tlimitMaxOperatingC: 0 };
    expect(conditions({ ...r, tlimitMarginC: 43 })).toEqual([]);
    expect(conditions({ ...r, tlimitMarginC: 0 })).toEqual([['temp-max-operating', 'warning']]);
    expect(conditions({ ...r, tlimitMarginC: -3 })).toEqual([['temp-slowdown', 'warning']]);
    expect(conditions({ ...r, tlimitMarginC: -7 })).toEqual([['temp-shutdown', 'fatal']]);
  });

  it(`a temperature condition clears only ${TEMP_HYSTERESIS_C} C below its threshold`, () => {
    expect(conditions({ temperatureC: 88 })).toEqual([['temp-max-operating', 'warning']]);
    expect(conditions({ temperatureC: 88 }, ['temp-slowdown'])).toEqual([['temp-slowdown', 'warning']]);
    expect(conditions({ temperatureC: 85 }, ['temp-slowdown'])).toEqual([['temp-max-operating', 'warning']]);
  });
});

describe('decideGpuHealth', () => {
  const remap = finding('remap-failure', 'remapped_row_failure: Yes');
  const hot = finding('temp-slowdown', '91 C, threshold 89 C');
  const gone = finding('vanished', 'not in nvidia-smi -L');

  it('a new fatal condition drains at once, with its meaning; the same one later does not drain again', () => {
    const first = decideGpuHealth(undefined, [remap]);
    expect(first).toMatchObject({ blocks: true, badProbes: 0, appeared: [remap], cleared: [] });
    expect(first.drain).toBe(
      'row remapping failed: the GPU has no spare memory rows left (remapped_row_failure: Yes); drained by ds01d',
    );
    // An admin undrained it: the condition is known, so it does not re-drain (it still blocks).
    const again = decideGpuHealth({ badProbes: 0, conditions: ['remap-failure'] }, [remap]);
    expect(again).toMatchObject({ drain: null, blocks: true, appeared: [] });
  });

  it('a warning neither drains nor blocks; when it goes it is reported cleared', () => {
    expect(decideGpuHealth(undefined, [hot])).toMatchObject({ drain: null, blocks: false, appeared: [hot] });
    expect(decideGpuHealth({ badProbes: 0, conditions: ['temp-slowdown'] }, [])).toMatchObject({
      cleared: ['temp-slowdown'],
      blocks: false,
    });
  });

  it(`a failing GPU blocks at once and drains at exactly ${UNHEALTHY_PROBES} bad probes in a row`, () => {
    let mem: { badProbes: number; conditions: HealthCondition[] } | undefined;
    const drains: (string | null)[] = [];
    for (let i = 0; i < UNHEALTHY_PROBES + 2; i++) {
      const d = decideGpuHealth(mem, [gone]);
      expect(d.blocks).toBe(true);
      drains.push(d.drain);
      mem = { badProbes: d.badProbes, conditions: ['vanished'] };
    }
    expect(drains.map((x) => x !== null)).toEqual([false, false, true, false, false]);
    expect(drains[UNHEALTHY_PROBES - 1]).toBe(
      `no longer reported by nvidia-smi (not in nvidia-smi -L) for ${UNHEALTHY_PROBES} probes in a row; drained by ds01d`,
    );
    // It answers again before the limit: the count starts over.
    expect(decideGpuHealth({ badProbes: 2, conditions: ['vanished'] }, [])).toMatchObject({
      badProbes: 0,
      blocks: false,
      cleared: ['vanished'],
    });
  });
});

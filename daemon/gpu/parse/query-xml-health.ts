// The health part of `nvidia-smi -q -x` for one <gpu>: ECC counts, retired pages, remapped rows,
// temperature and the GPU's own thresholds, and readings the driver could not take (`ERR!`,
// `[GPU requires reset]`, `[Unknown Error]`). Spellings differ by generation (checked against the
// recordings in ../shared/nvidia-smi): pre-Ampere ECC is `single_bit`/`double_bit` with a `total`, Ampere+
// `sram_*`/`dram_*` (R535+ splits `sram_uncorrectable` into `_parity`/`_secded`); R555+ consumer boards
// give temperature as a margin to T.Limit (`gpu_temp_tlimit`, thresholds `*_tlimit_threshold`, ≤ 0 is hot).
// Tolerant by design: a reading we cannot read is null, never a failed probe.
import type { GpuHealthReadings } from '../types.js';
import { child, type XmlElement } from './xml.js';

/** What nvidia-smi prints in place of a value when the GPU did not answer. */
const READING_ERROR = /^\[?(ERR!|GPU requires reset|Unknown Error|GPU is lost)\]?$/i;

function at(el: XmlElement | undefined, path: readonly string[]): XmlElement | undefined {
  let cur = el;
  for (const p of path) cur = child(cur, p);
  return cur;
}

/** `12`, `92 C`, `-7 C` → number; `N/A`, `[Not Supported]`, an error, absent → null. */
function reading(el: XmlElement | undefined, ...path: string[]): number | null {
  const m = /^(-?\d+(?:\.\d+)?)(?:\s*\S+)?$/.exec(at(el, path)?.text.trim() ?? '');
  return m ? Number(m[1]) : null;
}

/** `Yes` / `No`; anything else null. */
function yesNo(el: XmlElement | undefined, ...path: string[]): boolean | null {
  const t = at(el, path)?.text.trim();
  return t === 'Yes' ? true : t === 'No' ? false : null;
}

/** The sum of the readings that exist; null when none does (ECC off or not reported). */
function sum(values: readonly (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) : null;
}

const UNCORRECTABLE = [
  'dram_uncorrectable',
  'sram_uncorrectable',
  'sram_uncorrectable_parity',
  'sram_uncorrectable_secded',
];
const CORRECTABLE = ['dram_correctable', 'sram_correctable'];

function eccCount(
  ecc: XmlElement | undefined,
  scope: 'volatile' | 'aggregate',
  names: string[],
  old: string,
) {
  const block = child(ecc, scope);
  // Pre-Ampere: <single_bit>/<double_bit> with a <total>.
  const legacy = reading(block, old, 'total');
  return legacy ?? sum(names.map((n) => reading(block, n)));
}

/** Element paths (below <gpu>) whose text is a reading error, e.g. `temperature/gpu_temp: ERR!`. */
function readingErrors(gpu: XmlElement): string[] {
  const out: string[] = [];
  const walk = (el: XmlElement, path: string) => {
    if (el.children.length === 0) {
      const t = el.text.trim();
      if (READING_ERROR.test(t)) out.push(`${path}: ${t}`);
      return;
    }
    for (const c of el.children) walk(c, path ? `${path}/${c.name}` : c.name);
  };
  walk(gpu, '');
  return out;
}

export function readHealth(gpu: XmlElement): GpuHealthReadings {
  const ecc = child(gpu, 'ecc_errors');
  const retired = child(gpu, 'retired_pages');
  const remap = child(gpu, 'remapped_rows');
  const temp = child(gpu, 'temperature');
  return {
    eccVolatileUncorrectable: eccCount(ecc, 'volatile', UNCORRECTABLE, 'double_bit'),
    eccAggregateUncorrectable: eccCount(ecc, 'aggregate', UNCORRECTABLE, 'double_bit'),
    eccVolatileCorrectable: eccCount(ecc, 'volatile', CORRECTABLE, 'single_bit'),
    eccAggregateCorrectable: eccCount(ecc, 'aggregate', CORRECTABLE, 'single_bit'),
    sramThresholdExceeded: yesNo(ecc, 'aggregate', 'sram_threshold_exceeded'),
    retiredPagesSbe: reading(retired, 'multiple_single_bit_retirement', 'retired_count'),
    retiredPagesDbe: reading(retired, 'double_bit_retirement', 'retired_count'),
    retiredPagesPending:
      yesNo(retired, 'pending_retirement') === true || yesNo(retired, 'pending_blacklist') === true
        ? true
        : (yesNo(retired, 'pending_retirement') ?? yesNo(retired, 'pending_blacklist')),
    remappedRowsCorrectable: reading(remap, 'remapped_row_corr'),
    remappedRowsUncorrectable: reading(remap, 'remapped_row_unc'),
    remapPending: yesNo(remap, 'remapped_row_pending'),
    remapFailure: yesNo(remap, 'remapped_row_failure'),
    temperatureC: reading(temp, 'gpu_temp'),
    tempShutdownC: reading(temp, 'gpu_temp_max_threshold'),
    tempSlowdownC: reading(temp, 'gpu_temp_slow_threshold'),
    tempMaxOperatingC: reading(temp, 'gpu_temp_max_gpu_threshold'),
    tempTargetC: reading(temp, 'gpu_target_temperature'),
    tlimitMarginC: reading(temp, 'gpu_temp_tlimit'),
    tlimitShutdownC: reading(temp, 'gpu_temp_max_tlimit_threshold'),
    tlimitSlowdownC: reading(temp, 'gpu_temp_slow_tlimit_threshold'),
    tlimitMaxOperatingC: reading(temp, 'gpu_temp_max_gpu_tlimit_threshold'),
    readingErrors: readingErrors(gpu),
  };
}

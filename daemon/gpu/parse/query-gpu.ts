// `nvidia-smi --query-gpu=… --format=csv[,noheader][,nounits]` → one row per physical GPU (never MIG rows).
import { type CsvRow, csvNumber, csvString, parseSmiCsv } from './csv.js';
import { NvidiaSmiParseError } from './errors.js';

/** What the probe asks for. The parser accepts any subset in any order. */
export const QUERY_GPU_FIELDS = [
  'index',
  'uuid',
  'name',
  'pci.bus_id',
  'memory.total',
  'memory.used',
  'utilization.gpu',
  'temperature.gpu',
  'driver_version',
  'mig.mode.current',
] as const;

export interface QueryGpuRow {
  index: number | null;
  /** null only when not queried (some recordings ask for a subset of fields). */
  uuid: string | null;
  name: string | null;
  busId: string | null;
  memoryTotalMiB: number | null;
  memoryUsedMiB: number | null;
  utilizationPct: number | null;
  temperatureC: number | null;
  driverVersion: string | null;
  /** 'Enabled' | 'Disabled'; null when MIG is not supported (`[N/A]`) or not queried. */
  migMode: 'Enabled' | 'Disabled' | null;
}

const WHAT = 'nvidia-smi --query-gpu';

/** `fields`: what was queried (needed for noheader output); omit to read the names from the header. */
export function parseQueryGpu(text: string, fields?: readonly string[]): QueryGpuRow[] {
  return parseSmiCsv(text, WHAT, fields).map((row) => toGpuRow(row));
}

function toGpuRow(row: CsvRow): QueryGpuRow {
  const uuid = csvString(row, 'uuid');
  const mig = csvString(row, 'mig.mode.current');
  if (mig !== null && mig !== 'Enabled' && mig !== 'Disabled') {
    throw new NvidiaSmiParseError(WHAT, row.line, row.text, `unknown MIG mode ${mig}`);
  }
  return {
    index: csvNumber(row, 'index', WHAT),
    uuid,
    name: csvString(row, 'name'),
    busId: csvString(row, 'pci.bus_id'),
    memoryTotalMiB: csvNumber(row, 'memory.total', WHAT),
    memoryUsedMiB: csvNumber(row, 'memory.used', WHAT),
    utilizationPct: csvNumber(row, 'utilization.gpu', WHAT),
    temperatureC: csvNumber(row, 'temperature.gpu', WHAT),
    // R610 deprecates driver_version for kmd_version; both return the value.
    driverVersion: csvString(row, 'kmd_version') ?? csvString(row, 'driver_version'),
    migMode: mig,
  };
}

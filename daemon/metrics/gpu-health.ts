// Per-GPU health gauges (pure): temperature, ECC uncorrectable counts, retired pages, remapped rows from
// the last probe's `nvidia-smi -q -x`, and the health conditions ds01 sees now by severity (gpu/health.ts).
// A reading the GPU does not report (N/A) has no sample. Labels: gpu, UUID, modelName (as DCGM's).
import type { GpuHealthReadings } from '../gpu/types.js';
import type { MetricFamily, MetricSample } from './collect.js';

export interface MetricsGpuHealth {
  index: number;
  uuid: string;
  name: string;
  readings: GpuHealthReadings | null;
  /** Severities of its conditions now. */
  conditions: readonly ('warning' | 'failing' | 'fatal')[];
}

const LABELS = ['gpu', 'UUID', 'modelName'] as const;
const base = (g: MetricsGpuHealth) => ({ gpu: String(g.index), UUID: g.uuid, modelName: g.name });

function family(name: string, help: string, extra: readonly string[], samples: MetricSample[]): MetricFamily {
  return { name, help, type: 'gauge', labelNames: [...LABELS, ...extra], samples };
}

export function gpuHealthFamilies(gpus: readonly MetricsGpuHealth[]): MetricFamily[] {
  const each = (pick: (r: GpuHealthReadings) => [Record<string, string>, number | null][]): MetricSample[] =>
    gpus.flatMap((g) =>
      g.readings
        ? pick(g.readings)
            .filter((x): x is [Record<string, string>, number] => x[1] !== null)
            .map(([labels, value]) => ({ labels: { ...base(g), ...labels }, value }))
        : [],
    );
  return [
    family(
      'ds01_gpu_temperature_celsius',
      'GPU temperature at the last probe (nvidia-smi -q -x)',
      [],
      each((r) => [[{}, r.temperatureC]]),
    ),
    family(
      'ds01_gpu_ecc_uncorrectable_errors',
      'Uncorrectable ECC errors (scope volatile = since the driver loaded, aggregate = lifetime)',
      ['scope'],
      each((r) => [
        [{ scope: 'volatile' }, r.eccVolatileUncorrectable],
        [{ scope: 'aggregate' }, r.eccAggregateUncorrectable],
      ]),
    ),
    family(
      'ds01_gpu_retired_pages',
      'Retired GPU memory pages by cause (sbe = multiple single-bit, dbe = double-bit), pre-Ampere GPUs',
      ['cause'],
      each((r) => [
        [{ cause: 'sbe' }, r.retiredPagesSbe],
        [{ cause: 'dbe' }, r.retiredPagesDbe],
      ]),
    ),
    family(
      'ds01_gpu_remapped_rows',
      'Remapped GPU memory rows by the error that caused them (correctable, uncorrectable), Ampere+',
      ['kind'],
      each((r) => [
        [{ kind: 'correctable' }, r.remappedRowsCorrectable],
        [{ kind: 'uncorrectable' }, r.remappedRowsUncorrectable],
      ]),
    ),
    family(
      'ds01_gpu_health_conditions',
      'Health conditions ds01 sees on a GPU now, by severity (warning, failing = not handed out, fatal = drained)',
      ['severity'],
      gpus.flatMap((g) =>
        (['warning', 'failing', 'fatal'] as const).map((severity) => ({
          labels: { ...base(g), severity },
          value: g.conditions.filter((c) => c === severity).length,
        })),
      ),
    ),
  ];
}

// PURE: what a GPU's health readings (nvidia-smi -q -x) and its presence in a probe mean, and what ds01
// does about each. One table, three severities:
//   warning  shown (gpu list, dashboard, doctor, /metrics) and an event; the GPU is still handed out.
//   failing  the GPU cannot be used now (it vanished, or answers with errors): not handed out at once,
//            drained after UNHEALTHY_PROBES bad probes in a row, since one glitch must not need an admin.
//   fatal    drained at once with the reason; its holders are told; an admin undrains it after a reset
//            or a look (as for a fatal Xid).
// A drain happens when a condition is NEW, so an admin's undrain sticks until something new goes wrong.
import type { GpuHealthReadings } from './types.js';

export type HealthSeverity = 'warning' | 'failing' | 'fatal';

export type HealthCondition =
  | 'ecc-uncorrectable-volatile'
  | 'ecc-uncorrectable-aggregate'
  | 'sram-threshold'
  | 'retired-pages-pending'
  | 'retired-pages-limit'
  | 'remap-pending'
  | 'remap-failure'
  | 'temp-shutdown'
  | 'temp-slowdown'
  | 'temp-max-operating'
  | 'temp-above-target'
  | 'reading-error'
  | 'device-error'
  | 'vanished';

export interface ConditionRule {
  severity: HealthSeverity;
  /** What it means, in plain words. */
  meaning: string;
  /** What an admin should do. */
  todo: string;
}

export const HEALTH_CONDITIONS: Readonly<Record<HealthCondition, ConditionRule>> = {
  'ecc-uncorrectable-volatile': {
    severity: 'fatal',
    meaning: 'uncorrectable ECC errors since the driver loaded: data in GPU memory may be corrupt',
    todo: 'reset the GPU once it is empty (nvidia-smi -r -i N) and check the count is 0',
  },
  'ecc-uncorrectable-aggregate': {
    severity: 'warning',
    meaning: 'uncorrectable ECC errors in the GPU’s lifetime (handled by page retirement / row remapping)',
    todo: 'watch the count; more of them mean the memory is failing',
  },
  'sram-threshold': {
    severity: 'fatal',
    meaning: 'SRAM uncorrectable errors passed NVIDIA’s limit for the board',
    todo: 'the board should be replaced (RMA)',
  },
  'retired-pages-pending': {
    severity: 'fatal',
    meaning: 'memory pages wait to be retired, which happens only at the next GPU reset',
    todo: 'reset the GPU once it is empty (nvidia-smi -r -i N), then undrain',
  },
  'retired-pages-limit': {
    severity: 'fatal',
    meaning: 'retired memory pages reached NVIDIA’s replacement threshold',
    todo: 'the board should be replaced (RMA)',
  },
  'remap-pending': {
    severity: 'fatal',
    meaning: 'a memory row remapping waits for the next GPU reset',
    todo: 'reset the GPU once it is empty (nvidia-smi -r -i N), then undrain',
  },
  'remap-failure': {
    severity: 'fatal',
    meaning: 'row remapping failed: the GPU has no spare memory rows left',
    todo: 'the board should be replaced (RMA)',
  },
  'temp-shutdown': {
    severity: 'fatal',
    meaning: 'at its shutdown temperature: cooling has failed',
    todo: 'check the fans/airflow of the server before undraining',
  },
  'temp-slowdown': {
    severity: 'warning',
    meaning: 'hot enough to slow itself down (thermal throttling)',
    todo: 'check the cooling; jobs on it run slower',
  },
  'temp-max-operating': {
    severity: 'warning',
    meaning: 'above its maximum operating temperature',
    todo: 'check the cooling',
  },
  'temp-above-target': {
    severity: 'warning',
    meaning: 'above its target temperature: cooling does not keep up',
    todo: 'check the cooling',
  },
  'reading-error': {
    severity: 'failing',
    meaning: 'answers with errors',
    todo: 'run nvidia-smi -q -i N; a GPU that needs a reset: nvidia-smi -r -i N once it is empty',
  },
  'device-error': {
    severity: 'failing',
    meaning: 'the driver cannot reach it',
    todo: 'check `dmesg` for Xid errors; a reset or reboot is usually needed',
  },
  vanished: {
    severity: 'failing',
    meaning: 'no longer reported by nvidia-smi',
    todo: 'check `dmesg` (fallen off the bus?); a reboot is usually needed',
  },
};

/**
 * Bad probes in a row before a failing GPU is drained. 3: one NVML hiccup (a busy driver, a probe racing a
 * reset) clears on the next probe without an admin, and meanwhile the GPU is not handed out anyway, so
 * waiting costs no safety; with the default one-minute gpu_refresh (the idle sweep probes too) a dead GPU
 * is drained within about three minutes.
 */
export const UNHEALTHY_PROBES = 3;

/** NVIDIA: a board with this many retired pages should be replaced (page retirement guide). */
export const RETIRED_PAGES_LIMIT = 60;

/** A temperature condition clears only this far below its threshold, so a GPU at the edge does not flap. */
export const TEMP_HYSTERESIS_C = 3;

export interface HealthFinding {
  condition: HealthCondition;
  severity: HealthSeverity;
  meaning: string;
  /** The reading behind it, e.g. `93 C, slowdown at 89 C`. */
  detail: string;
}

export function finding(condition: HealthCondition, detail: string): HealthFinding {
  const rule = HEALTH_CONDITIONS[condition];
  return { condition, severity: rule.severity, meaning: rule.meaning, detail };
}

const positive = (n: number | null): n is number => n !== null && n > 0;

/** Conditions the readings show. `held`: the conditions of the last probe (temperature hysteresis). */
export function assessReadings(
  r: GpuHealthReadings,
  held: ReadonlySet<HealthCondition> = new Set(),
): HealthFinding[] {
  const out: HealthFinding[] = [];
  if (r.readingErrors.length) out.push(finding('reading-error', r.readingErrors.slice(0, 3).join('; ')));
  if (positive(r.eccVolatileUncorrectable))
    out.push(finding('ecc-uncorrectable-volatile', `${r.eccVolatileUncorrectable} since the driver loaded`));
  else if (positive(r.eccAggregateUncorrectable))
    out.push(finding('ecc-uncorrectable-aggregate', `${r.eccAggregateUncorrectable} in its lifetime`));
  if (r.sramThresholdExceeded) out.push(finding('sram-threshold', 'sram_threshold_exceeded: Yes'));
  const retired = (r.retiredPagesSbe ?? 0) + (r.retiredPagesDbe ?? 0);
  if (r.retiredPagesPending)
    out.push(finding('retired-pages-pending', `${retired} retired so far, more pending`));
  if (retired >= RETIRED_PAGES_LIMIT)
    out.push(finding('retired-pages-limit', `${retired} retired (limit ${RETIRED_PAGES_LIMIT})`));
  if (r.remapFailure) out.push(finding('remap-failure', 'remapped_row_failure: Yes'));
  if (r.remapPending)
    out.push(
      finding(
        'remap-pending',
        `${r.remappedRowsUncorrectable ?? 0} row(s) remapped for uncorrectable errors`,
      ),
    );
  out.push(...temperature(r, held));
  return out;
}

function temperature(r: GpuHealthReadings, held: ReadonlySet<HealthCondition>): HealthFinding[] {
  // Absolute thresholds (`92 C`: hot at or above), or R555+ margins to T.Limit (`-7 C`: hot at or below).
  const checks: [HealthCondition, number | null, number | null, 'above' | 'below'][] = [
    ['temp-shutdown', r.temperatureC, r.tempShutdownC, 'above'],
    ['temp-shutdown', r.tlimitMarginC, r.tlimitShutdownC, 'below'],
    ['temp-slowdown', r.temperatureC, r.tempSlowdownC, 'above'],
    ['temp-slowdown', r.tlimitMarginC, r.tlimitSlowdownC, 'below'],
    ['temp-max-operating', r.temperatureC, r.tempMaxOperatingC, 'above'],
    ['temp-max-operating', r.tlimitMarginC, r.tlimitMaxOperatingC, 'below'],
    ['temp-above-target', r.temperatureC, r.tempTargetC, 'above'],
  ];
  for (const [condition, value, limit, dir] of checks) {
    if (value === null || limit === null) continue;
    const slack = held.has(condition) ? TEMP_HYSTERESIS_C : 0;
    const hot = dir === 'above' ? value >= limit - slack : value <= limit + slack;
    if (!hot) continue;
    // Only the worst temperature condition: a GPU at shutdown temperature is also above the others.
    const detail =
      dir === 'above' ? `${value} C, threshold ${limit} C` : `${value} C below T.Limit, threshold ${limit} C`;
    return [finding(condition, detail)];
  }
  return [];
}

export interface GpuHealthMemory {
  /** Consecutive probes with a failing condition. */
  badProbes: number;
  /** The conditions at the last probe. */
  conditions: readonly HealthCondition[];
}

export interface HealthDecision {
  findings: HealthFinding[];
  badProbes: number;
  /** Not handed out while this holds (failing or fatal now). */
  blocks: boolean;
  /** Drain now with this reason; null = no drain this probe. */
  drain: string | null;
  /** Conditions that were not there at the last probe (each is an event). */
  appeared: HealthFinding[];
  /** Conditions of the last probe that are gone. */
  cleared: HealthCondition[];
}

/** One GPU, one probe: its findings against what was remembered from the last probe. */
export function decideGpuHealth(
  prev: GpuHealthMemory | undefined,
  findings: HealthFinding[],
): HealthDecision {
  const before = new Set(prev?.conditions ?? []);
  const now = new Set(findings.map((f) => f.condition));
  const appeared = findings.filter((f) => !before.has(f.condition));
  const cleared = [...before].filter((c) => !now.has(c));
  const failing = findings.filter((f) => f.severity === 'failing');
  const badProbes = failing.length ? (prev?.badProbes ?? 0) + 1 : 0;
  const newFatal = appeared.filter((f) => f.severity === 'fatal');
  let drain: string | null = null;
  if (newFatal.length) drain = `${describe(newFatal)}; drained by ds01d`;
  else if (failing.length && badProbes === UNHEALTHY_PROBES)
    drain = `${describe(failing)} for ${UNHEALTHY_PROBES} probes in a row; drained by ds01d`;
  return {
    findings,
    badProbes,
    blocks: failing.length > 0 || findings.some((f) => f.severity === 'fatal'),
    drain,
    appeared,
    cleared,
  };
}

const RANK: Record<HealthSeverity, number> = { fatal: 0, failing: 1, warning: 2 };

/** The findings in one line, the worst first. */
export function describe(findings: readonly HealthFinding[]): string {
  return [...findings]
    .sort((a, b) => RANK[a.severity] - RANK[b.severity])
    .map((f) => `${f.meaning} (${f.detail})`)
    .join('; ');
}

/** The overall state shown for a GPU: the worst severity it has now. */
export function worstSeverity(findings: readonly HealthFinding[]): HealthSeverity | null {
  if (findings.some((f) => f.severity === 'fatal')) return 'fatal';
  if (findings.some((f) => f.severity === 'failing')) return 'failing';
  return findings.length ? 'warning' : null;
}

// PURE: a gpu_health row → what `gpu list`, the dashboard and doctor show for that GPU.
import type { GpuHealthView } from '../api/types/gpus.js';
import {
  describe,
  HEALTH_CONDITIONS,
  type HealthFinding,
  UNHEALTHY_PROBES,
  worstSeverity,
} from './health.js';

export function healthView(
  row: { findings: HealthFinding[]; badProbes: number; since: number } | undefined,
): GpuHealthView | null {
  if (!row || row.findings.length === 0) return null;
  const worst = worstSeverity(row.findings);
  return {
    state: worst === 'warning' ? 'warning' : 'unhealthy',
    reason: describe(row.findings),
    problems: row.findings.map((f) => ({ ...f, todo: HEALTH_CONDITIONS[f.condition]?.todo ?? '' })),
    badProbes: row.badProbes,
    drainAfter: UNHEALTHY_PROBES,
    since: new Date(row.since).toISOString(),
  };
}

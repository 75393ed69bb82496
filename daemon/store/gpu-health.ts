// GPUs with a health condition now (table gpu_health, migration 011): written by services/gpu-health.ts in
// the probe's transaction, read by gpu list, the dashboard, doctor and /metrics.
import type { HealthFinding } from '../gpu/health.js';
import type { Db } from './db.js';

export interface GpuHealthRow {
  gpuUuid: string;
  gpuIndex: number;
  findings: HealthFinding[];
  badProbes: number;
  since: number;
  updatedAt: number;
}

interface Raw {
  gpu_uuid: string;
  gpu_index: number;
  findings_json: string;
  bad_probes: number;
  since: number;
  updated_at: number;
}

const fromRaw = (r: Raw): GpuHealthRow => ({
  gpuUuid: r.gpu_uuid,
  gpuIndex: r.gpu_index,
  findings: JSON.parse(r.findings_json) as HealthFinding[],
  badProbes: r.bad_probes,
  since: r.since,
  updatedAt: r.updated_at,
});

export class GpuHealthRepo {
  constructor(private readonly db: Db) {}

  all(): GpuHealthRow[] {
    return (this.db.prepare('SELECT * FROM gpu_health ORDER BY gpu_index').all() as Raw[]).map(fromRaw);
  }

  /** Keeps `since` from the first time something was wrong. */
  put(row: Omit<GpuHealthRow, 'since'>, now: number): void {
    this.db
      .prepare(
        `INSERT INTO gpu_health (gpu_uuid, gpu_index, findings_json, bad_probes, since, updated_at)
         VALUES (@uuid, @index, @json, @bad, @now, @now)
         ON CONFLICT(gpu_uuid) DO UPDATE SET gpu_index = excluded.gpu_index,
           findings_json = excluded.findings_json, bad_probes = excluded.bad_probes, updated_at = excluded.updated_at`,
      )
      .run({
        uuid: row.gpuUuid,
        index: row.gpuIndex,
        json: JSON.stringify(row.findings),
        bad: row.badProbes,
        now,
      });
  }

  remove(gpuUuid: string): void {
    this.db.prepare('DELETE FROM gpu_health WHERE gpu_uuid = ?').run(gpuUuid);
  }
}

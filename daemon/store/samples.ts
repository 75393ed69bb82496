// Activity samples per container (the idle signals), with bounded retention: samples older than the
// retention are pruned, except each container's newest, which carries the start of its quiet run.
import type { Sample } from '../lifecycle/types.js';
import { rollupSamples, type UsageRollup, type UsageSample } from '../usage/accounting.js';
import type { Db } from './db.js';

export interface SampleRow extends Sample {
  containerId: string;
  /** Docker's raw counters, for the rates of the next sample. */
  cpuUsageNs: number | null;
  systemCpuNs: number | null;
  onlineCpus: number | null;
  netRxBytes: number | null;
  netTxBytes: number | null;
}

interface Row {
  container_id: string;
  ts: number;
  gpu_util_pct: number | null;
  gpu_processes: number | null;
  cpu_pct: number | null;
  net_bytes_per_sec: number | null;
  sessions: number | null;
  cpu_usage_ns: number | null;
  system_cpu_ns: number | null;
  online_cpus: number | null;
  net_rx_bytes: number | null;
  net_tx_bytes: number | null;
  quiet_since: number | null;
}

const fromRow = (r: Row): SampleRow => ({
  containerId: r.container_id,
  ts: r.ts,
  gpuUtilPct: r.gpu_util_pct,
  gpuProcesses: r.gpu_processes,
  cpuPct: r.cpu_pct,
  netBytesPerSec: r.net_bytes_per_sec,
  sessions: r.sessions ?? 0,
  quietSince: r.quiet_since,
  cpuUsageNs: r.cpu_usage_ns,
  systemCpuNs: r.system_cpu_ns,
  onlineCpus: r.online_cpus,
  netRxBytes: r.net_rx_bytes,
  netTxBytes: r.net_tx_bytes,
});

export class SamplesRepo {
  private readonly insertStmt;
  private readonly recentStmt;
  private readonly latestStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT OR REPLACE INTO samples (container_id, ts, gpu_util_pct, gpu_processes, cpu_pct, net_bytes_per_sec,
         sessions, cpu_usage_ns, system_cpu_ns, online_cpus, net_rx_bytes, net_tx_bytes, quiet_since)
       VALUES (@containerId, @ts, @gpuUtilPct, @gpuProcesses, @cpuPct, @netBytesPerSec, @sessions, @cpuUsageNs,
         @systemCpuNs, @onlineCpus, @netRxBytes, @netTxBytes, @quietSince)`,
    );
    this.recentStmt = db.prepare(
      'SELECT * FROM samples WHERE container_id = ? AND ts >= ? ORDER BY ts DESC LIMIT ?',
    );
    this.latestStmt = db.prepare('SELECT * FROM samples WHERE container_id = ? ORDER BY ts DESC LIMIT 1');
  }

  insert(s: SampleRow): void {
    this.insertStmt.run({ ...s, quietSince: s.quietSince ?? null });
  }

  /** The newest `limit` samples at or after `since`, oldest first. */
  recent(containerId: string, since: number, limit: number): SampleRow[] {
    return (this.recentStmt.all(containerId, since, limit) as Row[]).map(fromRow).reverse();
  }

  latest(containerId: string): SampleRow | undefined {
    const r = this.latestStmt.get(containerId) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  /**
   * Drop samples older than `before` (keeping each container's newest) and those of removed containers,
   * after adding the time they spoke for to the hourly rollups (busy per `rollup.busyThresholdPct`).
   * Rollups older than `rollup.keepAfter` are dropped. Call inside a transaction.
   */
  prune(before: number, rollup?: { busyThresholdPct: number; maxGapMs: number; keepAfter: number }): number {
    if (rollup) this.rollUp(before, rollup.busyThresholdPct, rollup.maxGapMs, rollup.keepAfter);
    const old = this.db
      .prepare(
        `DELETE FROM samples WHERE ts < ? AND ts < (SELECT max(s2.ts) FROM samples s2 WHERE s2.container_id = samples.container_id)`,
      )
      .run(before).changes;
    const gone = this.db
      .prepare(
        `DELETE FROM samples WHERE container_id NOT IN (SELECT id FROM containers WHERE removed_at IS NULL)`,
      )
      .run().changes;
    return old + gone;
  }

  private rollUp(before: number, thresholdPct: number, maxGapMs: number, keepAfter: number): void {
    const live = new Set(
      (this.db.prepare('SELECT id FROM containers WHERE removed_at IS NULL').all() as { id: string }[]).map(
        (r) => r.id,
      ),
    );
    const ids = this.db
      .prepare(
        `SELECT DISTINCT container_id AS id FROM samples s WHERE container_id NOT IN
           (SELECT id FROM containers WHERE removed_at IS NULL)
         OR (ts < ? AND ts < (SELECT max(s2.ts) FROM samples s2 WHERE s2.container_id = s.container_id))`,
      )
      .all(before) as { id: string }[];
    const all = this.db.prepare(
      `SELECT container_id AS containerId, ts, gpu_util_pct AS gpuUtilPct, gpu_processes AS gpuProcesses
       FROM samples WHERE container_id = ? ORDER BY ts`,
    );
    const add = this.db.prepare(
      `INSERT INTO usage_rollups (container_id, hour, measured_ms, busy_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (container_id, hour) DO UPDATE SET measured_ms = measured_ms + excluded.measured_ms,
         busy_ms = busy_ms + excluded.busy_ms`,
    );
    for (const { id } of ids) {
      const samples = all.all(id) as UsageSample[];
      const newest = samples[samples.length - 1]?.ts;
      // The same rule as the DELETEs below: everything of a removed container, else all but the newest.
      const doomed = live.has(id) ? (s: UsageSample) => s.ts < before && s.ts !== newest : () => true;
      for (const r of rollupSamples(id, samples, doomed, thresholdPct, maxGapMs))
        add.run(r.containerId, r.hour, Math.round(r.measuredMs), Math.round(r.busyMs));
    }
    this.db.prepare('DELETE FROM usage_rollups WHERE hour < ?').run(keepAfter);
  }

  /** Rollups of these containers for hours overlapping [from, to). */
  rollupsFor(containerIds: readonly string[], from: number, to: number): UsageRollup[] {
    const stmt = this.db.prepare(
      `SELECT container_id AS containerId, hour, measured_ms AS measuredMs, busy_ms AS busyMs
       FROM usage_rollups WHERE container_id = ? AND hour > ? AND hour < ? ORDER BY hour`,
    );
    return [...new Set(containerIds)].flatMap((id) => stmt.all(id, from - 3600_000, to) as UsageRollup[]);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM samples').get() as { n: number }).n;
  }
}

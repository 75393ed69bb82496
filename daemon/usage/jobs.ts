// GPU-hours by batch job over a period, pure: each job's [started_at, ended_at or now) clipped to the
// period, times its GPU-equivalents (what it ran on). A job that never started used no GPU and is left out.
import type { UsageJob } from '../api/types/usage.js';
import type { JobState } from '../jobs/states.js';
import { overlap } from './accounting.js';

export interface UsageJobInput {
  id: number;
  ownerName: string;
  name: string;
  state: JobState;
  exitCode: number | null;
  startedAt: number | null;
  endedAt: number | null;
  gpuEquivalents: number;
}

const HOUR = 3600_000;
// Microhour precision: a job of a few seconds on a MIG slice still shows a non-zero amount in --json.
const round = (h: number) => Math.round(h * 1e6) / 1e6;
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** Jobs that ran in [from, to), most GPU-hours first (then by id). */
export function jobUsage(jobs: readonly UsageJobInput[], from: number, to: number, now: number): UsageJob[] {
  const end = Math.min(to, now);
  const out: UsageJob[] = [];
  for (const j of jobs) {
    if (j.startedAt === null) continue;
    const ran = overlap(j.startedAt, j.endedAt ?? now, from, end);
    // A job that started exactly at the end of the period (or ran 0 ms inside it) is not in it.
    if (ran <= 0 && !(j.startedAt >= from && j.startedAt < end)) continue;
    out.push({
      id: j.id,
      user: j.ownerName,
      name: j.name,
      state: j.state,
      exitCode: j.exitCode,
      startedAt: iso(j.startedAt) as string,
      endedAt: iso(j.endedAt),
      gpuEquivalents: j.gpuEquivalents,
      gpuHours: round((ran / HOUR) * j.gpuEquivalents),
    });
  }
  return out.sort((a, b) => b.gpuHours - a.gpuHours || a.id - b.id);
}

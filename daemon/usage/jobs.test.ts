import { describe, expect, it } from 'vitest';
import { jobUsage, type UsageJobInput } from './jobs.js';

const H = 3600_000;
const T0 = Date.UTC(2025, 0, 1);
const job = (id: number, over: Partial<UsageJobInput> = {}): UsageJobInput => ({
  id,
  ownerName: 'alice',
  name: `train-${id}`,
  state: 'completed',
  exitCode: 0,
  startedAt: T0,
  endedAt: T0 + H,
  gpuEquivalents: 1,
  ...over,
});

describe('jobUsage', () => {
  it('GPU-hours = time in the period × GPU-equivalents; most first', () => {
    const r = jobUsage(
      [job(1), job(2, { gpuEquivalents: 0.143, endedAt: T0 + 2 * H }), job(3, { gpuEquivalents: 2 })],
      T0 - H,
      T0 + 10 * H,
      T0 + 10 * H,
    );
    expect(r.map((j) => [j.id, j.gpuHours])).toEqual([
      [3, 2],
      [1, 1],
      [2, 0.286],
    ]);
    expect(r[1]).toMatchObject({ user: 'alice', name: 'train-1', state: 'completed', exitCode: 0 });
    expect(r[1]?.startedAt).toBe(new Date(T0).toISOString());
  });

  it('clips to the period; a running job counts up to now; one never started is left out', () => {
    const r = jobUsage(
      [
        job(1, { startedAt: T0 - 2 * H, endedAt: T0 + H }), // 1 h of it inside
        job(2, { state: 'running', exitCode: null, endedAt: null, startedAt: T0 + H }), // now − start
        job(3, { state: 'cancelled', startedAt: null, endedAt: T0 + H }), // cancelled while queued
        job(4, { startedAt: T0 - 5 * H, endedAt: T0 - 4 * H }), // before the period
      ],
      T0,
      T0 + 24 * H,
      T0 + 4 * H,
    );
    expect(r.map((j) => [j.id, j.gpuHours, j.endedAt])).toEqual([
      [2, 3, null],
      [1, 1, new Date(T0 + H).toISOString()],
    ]);
  });
});

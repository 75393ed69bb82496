import { beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText, sumWhere } from '../../testing/harness/prometheus.js';
import { collectMetrics, type MetricsInput, type MetricsSlot } from './collect.js';
import { isSweepAction, MetricsCounters } from './counters.js';
import { MetricsRegistry } from './registry.js';

const render = (i: MetricsInput) => new MetricsRegistry({ runtime: false }).render(collectMetrics(i));

const GPU0 = 'GPU-0e71a714-a16e-81c1-aad2-36d31def0b9d';
const mig = (uuid: string, gi: number, over: Partial<MetricsSlot> = {}): MetricsSlot => ({
  uuid,
  parentUuid: GPU0,
  gpuIndex: 0,
  gpuName: 'NVIDIA A100-SXM4-80GB',
  kind: 'mig',
  profile: '1g.10gb',
  gi,
  gpuEquivalents: 1 / 7,
  state: 'available',
  ...over,
});
const whole: MetricsSlot = {
  uuid: 'GPU-9f889eea',
  parentUuid: 'GPU-9f889eea',
  gpuIndex: 2,
  gpuName: 'NVIDIA A100-SXM4-80GB',
  kind: 'full',
  profile: null,
  gi: null,
  gpuEquivalents: 1,
  state: 'available',
};

function input(over: Partial<MetricsInput> = {}): MetricsInput {
  const counters = new MetricsCounters();
  counters.request('GET', '/v1/gpus', 200);
  counters.request('GET', '/v1/gpus', 200);
  counters.request('POST', '/v1/admin/policy/reload', 403);
  counters.reloaded(false);
  counters.sweepAction('lifecycle.stopped', 2);
  return {
    version: '0.1.0',
    now: 100_000,
    slots: [
      mig('MIG-a', 9, { profile: '3g.40gb', gpuEquivalents: 3 / 7 }),
      mig('MIG-b', 10),
      mig('MIG-c', 11, { state: 'drained' }),
      mig('MIG-d', 12, { state: 'missing' }),
      whole,
    ],
    claims: [
      { slotUuid: 'MIG-a', user: 'alice', state: 'active' },
      { slotUuid: 'GPU-9f889eea', user: 'bob "the builder"', state: 'held' },
      { slotUuid: 'MIG-d', user: 'alice', state: 'active' },
    ],
    queueWaiting: [{ enqueuedAt: 40_000 }, { enqueuedAt: 70_000 }],
    queueServed: { count: 3, waitSecondsSum: 90 },
    apiRequests: counters.apiRows(),
    sweepActions: counters.sweepRows(),
    policy: {
      reloads: counters.reloads,
      reloadFailures: counters.reloadFailures,
      lastReloadOk: counters.lastReloadOk,
    },
    ...over,
  };
}

describe('collectMetrics', () => {
  let m: ReturnType<typeof parsePrometheusText>;
  beforeAll(async () => {
    m = parsePrometheusText(await render(input()));
  });

  it('parses strictly and counts slots by the dashboard rule', () => {
    expect(sumWhere(m, 'ds01_slots')).toBe(5);
    expect(sumWhere(m, 'ds01_slots', { state: 'free' })).toBe(1);
    expect(sumWhere(m, 'ds01_slots', { state: 'allocated' })).toBe(1); // MIG-a (MIG-d is missing: missing wins)
    expect(sumWhere(m, 'ds01_slots', { state: 'held' })).toBe(1);
    expect(sumWhere(m, 'ds01_slots', { state: 'drained' })).toBe(1);
    expect(sumWhere(m, 'ds01_slots', { state: 'missing' })).toBe(1);
    expect(sumWhere(m, 'ds01_slots', { profile: 'full' })).toBe(1);
    // Every profile carries every state, zeros included, so queries never see a gap.
    expect(m.get('ds01_slots')?.samples).toHaveLength(3 * 5);
  });

  it('uses DCGM labels: parent UUID, GPU_I_* only on MIG', () => {
    const a = m.get('ds01_slot_state')?.samples.find((s) => s.labels.slot === 'MIG-a');
    expect(a?.labels).toEqual({
      gpu: '0',
      UUID: GPU0,
      device: 'nvidia0',
      modelName: 'NVIDIA A100-SXM4-80GB',
      GPU_I_PROFILE: '3g.40gb',
      GPU_I_ID: '9',
      slot: 'MIG-a',
      state: 'allocated',
    });
    const w = m.get('ds01_slot_state')?.samples.find((s) => s.labels.slot === 'GPU-9f889eea');
    expect(w?.labels).not.toHaveProperty('GPU_I_ID');
    expect(w?.labels.UUID).toBe('GPU-9f889eea');
  });

  it('holders, allocations and GPU-equivalents by user (escaped names survive)', () => {
    expect(
      m
        .get('ds01_slot_holder')
        ?.samples.map((s) => s.labels.user)
        .sort(),
    ).toEqual(['alice', 'alice', 'bob "the builder"']);
    expect(sumWhere(m, 'ds01_allocations', { user: 'alice' })).toBe(2);
    expect(sumWhere(m, 'ds01_allocated_gpu_equivalents', { user: 'alice' })).toBeCloseTo(4 / 7, 3);
  });

  it('queue, API, sweep and policy counters', () => {
    expect(sumWhere(m, 'ds01_queue_length')).toBe(2);
    expect(sumWhere(m, 'ds01_queue_oldest_wait_seconds')).toBe(60);
    expect(sumWhere(m, 'ds01_api_requests_total', { route: '/v1/gpus' })).toBe(2);
    expect(sumWhere(m, 'ds01_api_errors_total')).toBe(1);
    expect(sumWhere(m, 'ds01_sweep_actions_total', { kind: 'lifecycle.stopped' })).toBe(2);
    expect(sumWhere(m, 'ds01_policy_reload_failures_total')).toBe(1);
    expect(sumWhere(m, 'ds01_policy_last_reload_ok')).toBe(0);
    expect(m.get('ds01_api_requests_total')?.type).toBe('counter');
  });

  it('batch jobs by state and GPU-hours by user', async () => {
    const j = parsePrometheusText(
      await render(
        input({
          jobs: {
            byState: { running: 2, queued: 3, completed: 7 },
            gpuHoursByUser: [{ labels: { user: 'alice' }, value: 1.5 }],
          },
        }),
      ),
    );
    expect(sumWhere(j, 'ds01_jobs', { state: 'running' })).toBe(2);
    expect(sumWhere(j, 'ds01_jobs', { state: 'queued' })).toBe(3);
    expect(sumWhere(j, 'ds01_jobs', { state: 'lost' })).toBe(0);
    expect(sumWhere(j, 'ds01_job_gpu_hours_total', { user: 'alice' })).toBe(1.5);
    expect(j.get('ds01_job_gpu_hours_total')?.type).toBe('counter');
  });

  it('bookings: live ones by phase, booked slots now, no-shows', async () => {
    const m = parsePrometheusText(
      await render(input({ bookings: { upcoming: 2, active: 1, bookedSlots: 3, noShows: 4 } })),
    );
    expect(sumWhere(m, 'ds01_bookings', { phase: 'upcoming' })).toBe(2);
    expect(sumWhere(m, 'ds01_bookings', { phase: 'active' })).toBe(1);
    expect(sumWhere(m, 'ds01_booked_slots', {})).toBe(3);
    expect(sumWhere(m, 'ds01_booking_no_shows_total', {})).toBe(4);
    expect(m.get('ds01_booking_no_shows_total')?.type).toBe('counter');
  });

  it('an empty server still exposes every family', async () => {
    const empty = parsePrometheusText(
      await render(input({ slots: [], claims: [], queueWaiting: [], apiRequests: [], sweepActions: [] })),
    );
    expect(sumWhere(empty, 'ds01_queue_length')).toBe(0);
    expect(sumWhere(empty, 'ds01_queue_oldest_wait_seconds')).toBe(0);
    expect(empty.get('ds01_slots')?.samples).toEqual([]);
  });

  it('sweep actions are automatic lifecycle/allocation events only', () => {
    expect(isSweepAction({ actorUid: null, actor: 'ds01d', kind: 'lifecycle.stopped' })).toBe(true);
    expect(isSweepAction({ actorUid: null, actor: 'ds01d', kind: 'allocation.released' })).toBe(true);
    expect(isSweepAction({ actorUid: 0, actor: 'root', kind: 'allocation.force_released' })).toBe(false);
    expect(isSweepAction({ actorUid: null, actor: 'ds01d', kind: 'policy.reloaded' })).toBe(false);
  });
});

// ds01's metric families from one snapshot of state (pure). GPU/MIG series carry DCGM exporter labels
// (gpu, UUID = the parent GPU, device, modelName, GPU_I_PROFILE, GPU_I_ID — the last two only on MIG
// slots, as DCGM does) so `DCGM_FI_… * on(UUID, GPU_I_ID) group_left(user) ds01_slot_holder` joins.
import type { DashboardSlotState } from '../api/types/dashboard.js';
import { SLOT_STATES, slotDisplayState } from '../dashboard/slot-state.js';
import { gpuHealthFamilies, type MetricsGpuHealth } from './gpu-health.js';

export interface MetricSample {
  labels?: Readonly<Record<string, string | number>>;
  value: number;
}

/** One metric family from a snapshot; `labelNames` lists every label its samples may carry. */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  labelNames: readonly string[];
  samples: readonly MetricSample[];
}

/** DCGM exporter labels (GPU_I_* only appear on MIG slots). */
const DCGM = ['gpu', 'UUID', 'device', 'modelName', 'GPU_I_PROFILE', 'GPU_I_ID'] as const;

export interface MetricsSlot {
  uuid: string;
  parentUuid: string;
  gpuIndex: number;
  gpuName: string;
  kind: 'full' | 'mig';
  profile: string | null;
  gi: number | null;
  gpuEquivalents: number;
  state: 'available' | 'drained' | 'missing';
  /** Processes outside ds01 computing on it at the last probe, by owner. */
  unmanaged?: readonly { user: string }[];
}

export interface MetricsClaim {
  slotUuid: string;
  user: string;
  state: 'active' | 'held' | 'reserved';
}

export interface CounterRow<K extends string> {
  labels: Record<K, string>;
  value: number;
}

export interface MetricsInput {
  version: string;
  now: number;
  slots: readonly MetricsSlot[];
  claims: readonly MetricsClaim[];
  queueWaiting: readonly { enqueuedAt: number }[];
  queueServed: { count: number; waitSecondsSum: number };
  apiRequests: readonly CounterRow<'method' | 'route' | 'status'>[];
  sweepActions: readonly CounterRow<'kind'>[];
  policy: { reloads: number; reloadFailures: number; lastReloadOk: boolean };
  /** Batch jobs: how many are in each state, and GPU-hours of the ended ones by user. */
  jobs?: { byState: Readonly<Record<string, number>>; gpuHoursByUser: readonly CounterRow<'user'>[] };
  /** Notifications: waiting in the outbox, and what happened to them since the daemon started. */
  notify?: { queued: number; sent: number; failed: number; retried: number; dropped: number };
  /** Advance bookings: live ones by phase, slots inside a window now, no-shows ever. */
  bookings?: { upcoming: number; active: number; bookedSlots: number; noShows: number };
  /** Per-GPU health readings and conditions (metrics/gpu-health.ts). */
  gpuHealth?: readonly MetricsGpuHealth[];
}

const JOB_STATES = [
  'pending',
  'queued',
  'starting',
  'running',
  'completed',
  'failed',
  'cancelled',
  'timed_out',
  'lost',
];

export function dcgmLabels(s: MetricsSlot): Record<string, string> {
  const base: Record<string, string> = {
    gpu: String(s.gpuIndex),
    UUID: s.parentUuid,
    device: `nvidia${s.gpuIndex}`,
    modelName: s.gpuName,
  };
  if (s.kind === 'mig') {
    base.GPU_I_PROFILE = s.profile ?? '';
    base.GPU_I_ID = s.gi === null ? '' : String(s.gi);
  }
  return base;
}

const profileOf = (s: MetricsSlot) => (s.kind === 'full' ? 'full' : (s.profile ?? 'unknown'));

/** What each slot is doing, by the same rule as the dashboard. */
export function slotStates(slots: readonly MetricsSlot[], claims: readonly MetricsClaim[]) {
  const bySlot = new Map(claims.map((c) => [c.slotUuid, c]));
  return slots.map((s) => ({
    slot: s,
    claim: bySlot.get(s.uuid),
    state: slotDisplayState(s.state, bySlot.get(s.uuid)?.state),
  }));
}

export function collectMetrics(i: MetricsInput): MetricFamily[] {
  const states = slotStates(i.slots, i.claims);
  const byProfile = new Map<string, Record<DashboardSlotState, number>>();
  for (const { slot, state } of states) {
    const p = profileOf(slot);
    const counts = byProfile.get(p) ?? { free: 0, allocated: 0, held: 0, drained: 0, missing: 0 };
    counts[state]++;
    byProfile.set(p, counts);
  }
  const slotSamples: MetricSample[] = [];
  for (const [profile, counts] of [...byProfile].sort(([a], [b]) => a.localeCompare(b)))
    for (const state of SLOT_STATES) slotSamples.push({ labels: { state, profile }, value: counts[state] });

  const allocs = new Map<string, number>();
  const equivalents = new Map<string, number>();
  for (const { slot, claim } of states) {
    if (!claim) continue;
    const k = `${claim.user}\u0000${claim.state}`;
    allocs.set(k, (allocs.get(k) ?? 0) + 1);
    equivalents.set(claim.user, (equivalents.get(claim.user) ?? 0) + slot.gpuEquivalents);
  }
  const oldest = i.queueWaiting.reduce((m, q) => Math.min(m, q.enqueuedAt), Number.POSITIVE_INFINITY);
  const counter = <K extends string>(rows: readonly CounterRow<K>[]) =>
    rows.map((r) => ({ labels: r.labels, value: r.value }));

  return [
    {
      name: 'ds01_info',
      help: 'ds01 daemon version',
      type: 'gauge',
      labelNames: ['version'],
      samples: [{ labels: { version: i.version }, value: 1 }],
    },
    {
      name: 'ds01_slots',
      help: 'GPU slots (whole GPUs and MIG devices) by state (free|allocated|held|drained|missing) and profile (MIG profile or full)',
      type: 'gauge',
      labelNames: ['state', 'profile'],
      samples: slotSamples,
    },
    {
      name: 'ds01_slot_state',
      help: 'One series per slot, 1 for its current state; DCGM exporter labels, slot = the slot UUID',
      type: 'gauge',
      labelNames: [...DCGM, 'slot', 'state'],
      samples: states.map(({ slot, state }) => ({
        labels: { ...dcgmLabels(slot), slot: slot.uuid, state },
        value: 1,
      })),
    },
    {
      name: 'ds01_slot_unmanaged_processes',
      help: 'Processes outside ds01 computing on a slot (bare metal, or a container ds01 did not make), by owner',
      type: 'gauge',
      labelNames: [...DCGM, 'slot', 'user'],
      samples: states.flatMap(({ slot }) => {
        const byUser = new Map<string, number>();
        for (const u of slot.unmanaged ?? []) byUser.set(u.user, (byUser.get(u.user) ?? 0) + 1);
        return [...byUser].map(([user, n]) => ({
          labels: { ...dcgmLabels(slot), slot: slot.uuid, user },
          value: n,
        }));
      }),
    },
    {
      name: 'ds01_slot_gpu_equivalents',
      help: 'Weight of each slot in GPU-equivalents (compute slices / slices of the whole GPU)',
      type: 'gauge',
      labelNames: [...DCGM, 'slot'],
      samples: states.map(({ slot }) => ({
        labels: { ...dcgmLabels(slot), slot: slot.uuid },
        value: slot.gpuEquivalents,
      })),
    },
    {
      name: 'ds01_slot_holder',
      help: 'Who holds each allocated slot (1 per held slot); join to DCGM series on UUID and GPU_I_ID',
      type: 'gauge',
      labelNames: [...DCGM, 'slot', 'user', 'state'],
      samples: states
        .filter((s) => s.claim)
        .map(({ slot, claim }) => ({
          labels: {
            ...dcgmLabels(slot),
            slot: slot.uuid,
            user: claim?.user ?? '',
            state: claim?.state ?? '',
          },
          value: 1,
        })),
    },
    {
      name: 'ds01_allocations',
      help: 'Live GPU allocations by user and state (active|held|reserved)',
      type: 'gauge',
      labelNames: ['user', 'state'],
      samples: [...allocs]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => {
          const [user = '', state = ''] = k.split('\u0000');
          return { labels: { user, state }, value: v };
        }),
    },
    {
      name: 'ds01_allocated_gpu_equivalents',
      help: 'GPU-equivalents each user holds now',
      type: 'gauge',
      labelNames: ['user'],
      samples: [...equivalents]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([user, v]) => ({ labels: { user }, value: Math.round(v * 1000) / 1000 })),
    },
    {
      name: 'ds01_queue_length',
      help: 'Deploys waiting for a GPU',
      type: 'gauge',
      labelNames: [],
      samples: [{ value: i.queueWaiting.length }],
    },
    {
      name: 'ds01_queue_oldest_wait_seconds',
      help: 'How long the longest-waiting queue entry has waited (0 when the queue is empty)',
      type: 'gauge',
      labelNames: [],
      samples: [{ value: Number.isFinite(oldest) ? Math.max(0, (i.now - oldest) / 1000) : 0 }],
    },
    {
      name: 'ds01_queue_served_total',
      help: 'Queue entries served (deployed when a GPU freed)',
      type: 'counter',
      labelNames: [],
      samples: [{ value: i.queueServed.count }],
    },
    {
      name: 'ds01_queue_served_wait_seconds_total',
      help: 'Total time served entries waited; divide by ds01_queue_served_total for the mean wait',
      type: 'counter',
      labelNames: [],
      samples: [{ value: i.queueServed.waitSecondsSum }],
    },
    {
      name: 'ds01_jobs',
      help: 'Batch jobs by state (pending, queued, starting, running now; ended ones since the database was created)',
      type: 'gauge',
      labelNames: ['state'],
      samples: JOB_STATES.map((state) => ({ labels: { state }, value: i.jobs?.byState[state] ?? 0 })),
    },
    {
      name: 'ds01_job_gpu_hours_total',
      help: 'GPU-hours (GPU-equivalents x hours) used by ended batch jobs, by user',
      type: 'counter',
      labelNames: ['user'],
      samples: counter(i.jobs?.gpuHoursByUser ?? []),
    },
    {
      name: 'ds01_sweep_actions_total',
      help: 'Automatic lifecycle and GPU actions by event kind (warnings, stops, removals, releases) since the database was created',
      type: 'counter',
      labelNames: ['kind'],
      samples: counter(i.sweepActions),
    },
    {
      name: 'ds01_api_requests_total',
      help: 'API requests on the socket by method, route pattern and HTTP status, since the daemon started',
      type: 'counter',
      labelNames: ['method', 'route', 'status'],
      samples: counter(i.apiRequests),
    },
    {
      name: 'ds01_api_errors_total',
      help: 'API requests answered with an error status (>= 400), since the daemon started',
      type: 'counter',
      labelNames: ['method', 'route', 'status'],
      samples: counter(i.apiRequests.filter((r) => Number(r.labels.status) >= 400)),
    },
    {
      name: 'ds01_policy_reloads_total',
      help: 'Policy reloads that took effect, since the daemon started',
      type: 'counter',
      labelNames: [],
      samples: [{ value: i.policy.reloads }],
    },
    {
      name: 'ds01_policy_reload_failures_total',
      help: 'Policy edits rejected (the last good policy stayed), since the daemon started',
      type: 'counter',
      labelNames: [],
      samples: [{ value: i.policy.reloadFailures }],
    },
    {
      name: 'ds01_policy_last_reload_ok',
      help: '1 when the policy file on disk is the one in force, 0 when the last edit was rejected',
      type: 'gauge',
      labelNames: [],
      samples: [{ value: i.policy.lastReloadOk ? 1 : 0 }],
    },
    ...(i.notify ? notifyFamilies(i.notify) : []),
    ...(i.bookings ? bookingFamilies(i.bookings) : []),
    ...(i.gpuHealth ? gpuHealthFamilies(i.gpuHealth) : []),
  ];
}

function bookingFamilies(b: NonNullable<MetricsInput['bookings']>): MetricFamily[] {
  return [
    {
      name: 'ds01_bookings',
      help: 'Advance bookings not yet ended, by phase (upcoming, active)',
      type: 'gauge',
      labelNames: ['phase'],
      samples: [
        { labels: { phase: 'upcoming' }, value: b.upcoming },
        { labels: { phase: 'active' }, value: b.active },
      ],
    },
    {
      name: 'ds01_booked_slots',
      help: 'GPU slots inside a booking window now',
      type: 'gauge',
      labelNames: [],
      samples: [{ value: b.bookedSlots }],
    },
    {
      name: 'ds01_booking_no_shows_total',
      help: 'Bookings released unused after their grace, since the database was created',
      type: 'counter',
      labelNames: [],
      samples: [{ value: b.noShows }],
    },
  ];
}

function notifyFamilies(n: NonNullable<MetricsInput['notify']>) {
  const one = (name: string, help: string, type: 'gauge' | 'counter', value: number) => ({
    name,
    help,
    type,
    labelNames: [] as string[],
    samples: [{ value }],
  });
  return [
    one(
      'ds01_notify_queued',
      'Notifications waiting in the outbox (sending or to be retried)',
      'gauge',
      n.queued,
    ),
    one('ds01_notify_sent_total', 'Notifications delivered, since the daemon started', 'counter', n.sent),
    one('ds01_notify_retries_total', 'Failed delivery attempts that will be retried', 'counter', n.retried),
    one(
      'ds01_notify_failed_total',
      'Notifications given up after their retries (each is a notify.failed event)',
      'counter',
      n.failed,
    ),
    one(
      'ds01_notify_dropped_total',
      'Notifications dropped because the outbox was full',
      'counter',
      n.dropped,
    ),
  ];
}

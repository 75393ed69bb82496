// The dashboard snapshot from what the services already know (pure): slots as GpuAdmin shows them to
// this caller, the inventory's live readings, the queue, usage against quota and recent events.
import type {
  DashboardBooking,
  DashboardData,
  DashboardGpu,
  DashboardSlot,
  DashboardStorage,
  DashboardUsage,
} from '../api/types/dashboard.js';
import type { AuditEvent } from '../api/types/events.js';
import type { GpuSlotView, QueueEntryView } from '../api/types/gpus.js';
import type { HostResources } from '../api/types/system.js';
import type { Inventory } from '../gpu/types.js';
import type { JobState } from '../jobs/states.js';
import { countStates, slotDisplayState } from './slot-state.js';

export interface DashboardInput {
  now: number;
  host: string;
  version: string;
  viewer: { name: string; admin: boolean };
  inventory: Inventory | null;
  lastProbeAt: string | null;
  probeError: string | null;
  policyError: string | null;
  resources: HostResources | null;
  slots: readonly GpuSlotView[];
  /** MIG GPU instance id per slot UUID (from the slot table). */
  giBySlot: ReadonlyMap<string, number | null>;
  queue: readonly QueueEntryView[];
  queueLength: number;
  forYou?: { canGet: number; binding: string | null } | null;
  /** Usage rows without job counts; jobs are counted into them (and the summary) here. */
  usage: readonly Omit<DashboardUsage, 'jobsRunning' | 'jobsQueued'>[];
  /** Active jobs the viewer may see (admins: all; users: their own). */
  jobs: readonly DashboardJob[];
  events: readonly AuditEvent[];
  /** Bookings the dashboard shows (already filtered and anonymised for the viewer). */
  bookings?: readonly DashboardBooking[];
  /** Storage quota lines the viewer may see (already chosen by the service). */
  storage?: readonly DashboardStorage[];
}

export interface DashboardJob {
  ownerUid: number;
  state: JobState;
}

/** Running or starting counts as running; pending (--after) or queued as queued; ended jobs not at all. */
export function jobBucket(s: JobState): 'running' | 'queued' | null {
  if (s === 'running' || s === 'starting') return 'running';
  if (s === 'queued' || s === 'pending') return 'queued';
  return null;
}

function countJobs(jobs: readonly DashboardJob[], uid?: number): { running: number; queued: number } {
  const n = { running: 0, queued: 0 };
  for (const j of jobs) {
    const b = jobBucket(j.state);
    if (b && (uid === undefined || j.ownerUid === uid)) n[b]++;
  }
  return n;
}

function slotOf(v: GpuSlotView, gi: number | null): DashboardSlot {
  const h = v.holder;
  return {
    uuid: v.uuid,
    kind: v.kind,
    profile: v.profile,
    gi,
    memoryMiB: v.memoryMiB,
    gpuEquivalents: v.gpuEquivalents,
    state: slotDisplayState(v.state, h?.state),
    holder: h
      ? { label: h.label, user: h.user, container: h.containerName, reserved: h.state === 'reserved' }
      : null,
    holdUntil: h?.holdUntil ?? null,
    drainReason: v.drainReason,
    unmanaged: v.unmanaged,
    health: v.health,
  };
}

export function buildDashboard(i: DashboardInput): DashboardData {
  const live = new Map((i.inventory?.gpus ?? []).map((g) => [g.uuid, g]));
  const byGpu = new Map<string, DashboardGpu>();
  // Every GPU nvidia-smi reports (a MIG GPU with no instances has no slot but is still shown)…
  for (const g of i.inventory?.gpus ?? []) {
    byGpu.set(g.uuid, {
      index: g.index,
      uuid: g.uuid,
      name: g.name,
      present: true,
      migEnabled: g.migEnabled,
      memoryMiB: g.memoryMiB,
      memoryUsedMiB: g.memoryUsedMiB,
      utilizationPct: g.utilizationPct,
      temperatureC: g.temperatureC,
      slots: [],
    });
  }
  // …and every GPU the slot table knows, present or not.
  for (const v of i.slots) {
    let g = byGpu.get(v.gpuUuid);
    if (!g) {
      g = {
        index: v.gpuIndex,
        uuid: v.gpuUuid,
        name: v.gpuName,
        present: live.has(v.gpuUuid),
        migEnabled: v.kind === 'mig',
        memoryMiB: null,
        memoryUsedMiB: null,
        utilizationPct: null,
        temperatureC: null,
        slots: [],
      };
      byGpu.set(v.gpuUuid, g);
    }
    g.slots.push(slotOf(v, i.giBySlot.get(v.uuid) ?? null));
  }
  const gpus = [...byGpu.values()].sort(
    (a, b) => Number(b.present) - Number(a.present) || a.index - b.index || a.uuid.localeCompare(b.uuid),
  );
  const slots = gpus.flatMap((g) => g.slots);
  const counts = countStates(slots.map((s) => s.state));
  return {
    at: new Date(i.now).toISOString(),
    host: i.host,
    version: i.version,
    viewer: i.viewer,
    driverVersion: i.inventory?.driverVersion ?? null,
    cudaVersion: i.inventory?.cudaVersion ?? null,
    lastProbeAt: i.lastProbeAt,
    probeError: i.probeError,
    policyError: i.policyError,
    resources: i.resources,
    summary: {
      gpus: gpus.filter((g) => g.present).length,
      slots: slots.length,
      ...counts,
      queueLength: i.queueLength,
      forYou: i.forYou ?? null,
      jobs: countJobs(i.jobs),
    },
    gpus,
    queue: [...i.queue],
    usage: i.usage.map((u) => {
      const n = countJobs(i.jobs, u.uid);
      return { ...u, jobsRunning: n.running, jobsQueued: n.queued };
    }),
    events: [...i.events],
    bookings: [...(i.bookings ?? [])],
    ...(i.storage ? { storage: [...i.storage] } : {}),
  };
}

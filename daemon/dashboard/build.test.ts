import { describe, expect, it } from 'vitest';
import type { GpuSlotView } from '../api/types/gpus.js';
import type { Gpu, Inventory } from '../gpu/types.js';
import { buildDashboard, type DashboardInput } from './build.js';
import { slotDisplayState } from './slot-state.js';

const gpu = (index: number, over: Partial<Gpu> = {}): Gpu => ({
  uuid: `GPU-${index}`,
  index,
  name: 'NVIDIA A100-SXM4-80GB',
  busId: null,
  memoryMiB: 81920,
  migEnabled: false,
  utilizationPct: 10,
  memoryUsedMiB: 100,
  temperatureC: 40,
  totalSlices: 7,
  ...over,
});

const view = (uuid: string, gpuIndex: number, over: Partial<GpuSlotView> = {}): GpuSlotView => ({
  uuid,
  gpuIndex,
  gpuUuid: `GPU-${gpuIndex}`,
  gpuName: 'NVIDIA A100-SXM4-80GB',
  kind: 'mig',
  profile: '1g.10gb',
  migDeviceIndex: 0,
  memoryMiB: 9728,
  gpuEquivalents: 0.143,
  state: 'available',
  drainReason: null,
  holder: null,
  unmanaged: [],
  unmanagedBlocks: false,
  health: null,
  ...over,
});

function input(over: Partial<DashboardInput>): DashboardInput {
  return {
    now: Date.UTC(2025, 0, 1),
    host: 'h',
    version: '0.1.0',
    viewer: { name: 'root', admin: true },
    inventory: null,
    lastProbeAt: null,
    probeError: null,
    policyError: null,
    resources: null,
    slots: [],
    giBySlot: new Map(),
    queue: [],
    queueLength: 0,
    usage: [],
    jobs: [],
    events: [],
    ...over,
  };
}

describe('buildDashboard', () => {
  it('joins inventory GPUs with slots, keeps GPUs that vanished, and shows MIG GPUs without instances', () => {
    const inventory: Inventory = {
      driverVersion: '550.90.07',
      cudaVersion: '12.4',
      gpus: [
        gpu(0, { migEnabled: true, utilizationPct: null }),
        gpu(1, { migEnabled: true, utilizationPct: null }),
      ],
      slots: [],
      processes: [],
    };
    const held = {
      label: 'taken',
      yours: false,
      user: null,
      uid: null,
      containerId: null,
      containerName: null,
      state: 'held' as const,
      holdUntil: '2025-01-01T01:00:00.000Z',
    };
    const d = buildDashboard(
      input({
        inventory,
        slots: [
          view('MIG-a', 0, { holder: held }),
          view('MIG-b', 0, { state: 'drained', drainReason: 'ECC' }),
          view('GPU-3', 3, { kind: 'full', profile: null, state: 'missing', gpuUuid: 'GPU-3' }),
        ],
        giBySlot: new Map([['MIG-a', 7]]),
        queueLength: 2,
      }),
    );
    expect(d.gpus.map((g) => [g.index, g.present, g.slots.length])).toEqual([
      [0, true, 2],
      [1, true, 0],
      [3, false, 1],
    ]);
    expect(d.gpus[0]?.slots[0]).toMatchObject({
      state: 'held',
      gi: 7,
      holdUntil: '2025-01-01T01:00:00.000Z',
    });
    expect(d.summary).toEqual({
      gpus: 2,
      slots: 3,
      free: 0,
      allocated: 0,
      held: 1,
      drained: 1,
      missing: 1,
      queueLength: 2,
      forYou: null,
      jobs: { running: 0, queued: 0 },
    });
    expect(d.driverVersion).toBe('550.90.07');
  });

  it('counts the jobs it is given: running/starting as running, queued/pending as queued, per usage row', () => {
    const u = (user: string, uid: number) => ({
      user,
      uid,
      group: 'students',
      slots: 0,
      maxSlots: 2,
      gpuEquivalents: 0,
      maxGpuEquivalents: null,
      containers: 0,
      maxContainers: 3,
      queued: 0,
    });
    const d = buildDashboard(
      input({
        usage: [u('alice', 1001), u('bob', 1002)],
        jobs: [
          { ownerUid: 1001, state: 'running' },
          { ownerUid: 1001, state: 'starting' },
          { ownerUid: 1001, state: 'pending' },
          { ownerUid: 1002, state: 'queued' },
          { ownerUid: 1002, state: 'completed' },
        ],
      }),
    );
    expect(d.summary.jobs).toEqual({ running: 2, queued: 2 });
    expect(d.usage.map((x) => [x.user, x.jobsRunning, x.jobsQueued])).toEqual([
      ['alice', 2, 1],
      ['bob', 0, 1],
    ]);
    expect(buildDashboard(input({})).summary.jobs).toEqual({ running: 0, queued: 0 });
  });

  it('slot state: missing wins, then the claim, then drained', () => {
    expect(slotDisplayState('missing', 'active')).toBe('missing');
    expect(slotDisplayState('drained', 'active')).toBe('allocated');
    expect(slotDisplayState('drained', 'held')).toBe('held');
    expect(slotDisplayState('available', 'reserved')).toBe('allocated');
    expect(slotDisplayState('drained', null)).toBe('drained');
    expect(slotDisplayState('available', undefined)).toBe('free');
  });
});

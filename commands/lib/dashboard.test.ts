import { describe, expect, it } from 'vitest';
import type {
  AuditEvent,
  DashboardData,
  DashboardGpu,
  DashboardSlot,
  QueueEntryView,
} from '../../daemon/api/types/index.js';
import { clip, renderDashboard, visibleLength } from './dashboard.js';

const AT = '2025-03-04T10:20:30.000Z';
const A100 = 'NVIDIA A100-SXM4-80GB';

function slot(uuid: string, over: Partial<DashboardSlot> = {}): DashboardSlot {
  return {
    uuid,
    kind: 'mig',
    profile: '1g.10gb',
    gi: 7,
    memoryMiB: 9728,
    gpuEquivalents: 0.143,
    state: 'free',
    holder: null,
    holdUntil: null,
    drainReason: null,
    ...over,
  };
}
const held = (user: string, container: string | null) => ({ label: user, user, container, reserved: false });

function gpu(index: number, over: Partial<DashboardGpu> = {}): DashboardGpu {
  return {
    index,
    uuid: `GPU-${index}e71a714-a16e-81c1-aad2-36d31def0b9d`,
    name: A100,
    present: true,
    migEnabled: false,
    memoryMiB: 81920,
    memoryUsedMiB: 0,
    utilizationPct: 0,
    temperatureC: 30 + index,
    slots: [],
    ...over,
  };
}

function whole(g: DashboardGpu, over: Partial<DashboardSlot> = {}): DashboardGpu {
  return {
    ...g,
    slots: [
      slot(g.uuid, { kind: 'full', profile: null, gi: null, memoryMiB: 81920, gpuEquivalents: 1, ...over }),
    ],
  };
}

function data(over: Partial<DashboardData>): DashboardData {
  const gpus = over.gpus ?? [];
  const slots = gpus.flatMap((g) => g.slots);
  const n = (s: DashboardSlot['state']) => slots.filter((x) => x.state === s).length;
  return {
    at: AT,
    host: 'gpu-node-01',
    version: '0.1.0',
    viewer: { name: 'root', admin: true },
    driverVersion: '550.90.07',
    cudaVersion: '12.4',
    lastProbeAt: AT,
    probeError: null,
    policyError: null,
    resources: null,
    gpus,
    summary: {
      gpus: gpus.filter((g) => g.present).length,
      slots: slots.length,
      free: n('free'),
      allocated: n('allocated'),
      held: n('held'),
      drained: n('drained'),
      missing: n('missing'),
      queueLength: over.queue?.filter((q) => q.state === 'waiting').length ?? 0,
      forYou: null,
      jobs: {
        running: (over.usage ?? []).reduce((a, u) => a + u.jobsRunning, 0),
        queued: (over.usage ?? []).reduce((a, u) => a + u.jobsQueued, 0),
      },
    },
    queue: [],
    usage: [],
    events: [],
    ...over,
  };
}

function entry(
  id: number,
  owner: string,
  position: number,
  over: Partial<QueueEntryView> = {},
): QueueEntryView {
  return {
    id,
    owner,
    ownerUid: 1000 + id,
    state: 'waiting',
    priority: 10,
    enqueuedAt: new Date(Date.parse(AT) - id * 7 * 60_000).toISOString(),
    endedAt: null,
    gpu: { count: 1, profile: null, wholeGpu: true },
    request: null,
    position,
    estimatedServeAt: new Date(Date.parse(AT) + position * 3600_000).toISOString(),
    containerId: null,
    note: null,
    ...over,
    wait:
      over.wait ??
      ((over.estimatedServeAt === undefined ? true : over.estimatedServeAt !== null)
        ? { kind: 'at', at: new Date(Date.parse(AT) + position * 3600_000).toISOString(), why: 'hold' }
        : { kind: 'unknown', at: null, why: 'no deadline' }),
  };
}

function event(
  id: number,
  kind: string,
  actor: string,
  reason: string,
  container: string | null = null,
): AuditEvent {
  return {
    id,
    ts: new Date(Date.parse(AT) - (10 - id) * 60_000).toISOString(),
    actor,
    actorUid: 1000,
    subjectUid: 1000,
    containerId: container ? 'c0ffee' : null,
    containerName: container,
    kind,
    reason,
    data: null,
  };
}

const scenarios: Record<string, DashboardData> = {
  'empty server': data({ driverVersion: null, cudaVersion: null, viewer: { name: 'alice', admin: false } }),
  'full with queue': data({
    gpus: [0, 1, 2].map((i) =>
      whole(gpu(i, { utilizationPct: 80 + i, memoryUsedMiB: 30522 + i }), {
        state: i === 2 ? 'held' : 'allocated',
        holder: held(['alice', 'bob', 'carol'][i] as string, `proj-${i}`),
        holdUntil: i === 2 ? '2025-03-04T10:45:00.000Z' : null,
      }),
    ),
    queue: [
      entry(4, 'dave', 1),
      entry(5, 'erin-with-a-rather-long-user-name', 2, {
        gpu: { count: 2, profile: '1g.10gb', wholeGpu: false },
        note: 'waiting for 2 slots of 1g.10gb on one GPU, a long explanation',
      }),
      entry(6, 'frank', 3, { estimatedServeAt: null }),
    ],
    usage: [
      {
        user: 'alice',
        uid: 1001,
        group: 'students',
        slots: 1,
        maxSlots: 2,
        gpuEquivalents: 1,
        maxGpuEquivalents: null,
        containers: 1,
        maxContainers: 3,
        queued: 0,
        jobsRunning: 1,
        jobsQueued: 0,
      },
      {
        user: 'bob',
        uid: 1002,
        group: 'researchers',
        slots: 1,
        maxSlots: 4,
        gpuEquivalents: 1,
        maxGpuEquivalents: 2.5,
        containers: 2,
        maxContainers: 3,
        queued: 0,
        jobsRunning: 0,
        jobsQueued: 2,
      },
      {
        user: 'dave',
        uid: 1004,
        group: 'students',
        slots: 0,
        maxSlots: 2,
        gpuEquivalents: 0,
        maxGpuEquivalents: null,
        containers: 0,
        maxContainers: 3,
        queued: 1,
        jobsRunning: 0,
        jobsQueued: 0,
      },
    ],
    events: [
      event(1, 'queue.joined', 'dave', 'waiting for a whole GPU'),
      event(
        2,
        'container.stopped',
        'ds01d',
        'idle for 20m: GPU 0% (idle below 5%), CPU 0.1% (idle below 2%); the GPU is held for 30m',
        'proj-2',
      ),
      event(
        3,
        'allocation.force_released',
        'root',
        'released by admin root: stuck process, the container keeps running but no longer holds this slot',
        'proj-9',
      ),
    ],
  }),
  'MIG mixed': data({
    viewer: { name: 'bob', admin: false },
    gpus: [
      gpu(0, {
        migEnabled: true,
        utilizationPct: null,
        memoryUsedMiB: 2087,
        slots: [
          slot('MIG-a84bba07-931d-5b92-9306-a0799dc6ebd7', {
            profile: '3g.40gb',
            gi: 2,
            memoryMiB: 40192,
            gpuEquivalents: 0.429,
            state: 'allocated',
            holder: { label: 'taken', user: null, container: null, reserved: false },
          }),
          slot('MIG-18b8c764-d1c0-5acb-8dea-13519a60a077', {
            profile: '2g.20gb',
            gi: 3,
            memoryMiB: 19968,
            gpuEquivalents: 0.286,
            state: 'allocated',
            holder: { label: 'yours', user: 'bob', container: 'thesis', reserved: false },
          }),
          slot('MIG-bbd14288-0e84-527a-aeec-12975fd55911', {
            gi: 9,
            state: 'drained',
            drainReason: 'ECC errors, replacing Friday',
          }),
          slot('MIG-ea2cbd39-0b65-56a4-b2ba-d821df997d52', { gi: 10 }),
        ],
      }),
      gpu(1, { migEnabled: true, utilizationPct: null, memoryUsedMiB: 0, slots: [] }),
      whole(gpu(2, { utilizationPct: 87, memoryUsedMiB: 30522 }), {
        state: 'allocated',
        holder: { label: 'yours', user: 'bob', container: 'train', reserved: true },
      }),
    ],
    queue: [entry(9, 'bob', 2, { gpu: { count: 1, profile: '3g.40gb', wholeGpu: false } })],
    usage: [
      {
        user: 'bob',
        uid: 1002,
        group: 'researchers',
        slots: 2,
        maxSlots: 4,
        gpuEquivalents: 1.286,
        maxGpuEquivalents: null,
        containers: 2,
        maxContainers: 3,
        queued: 1,
        jobsRunning: 1,
        jobsQueued: 0,
      },
    ],
  }),
  'GPU missing': data({
    probeError:
      'nvidia-smi -L: exit 9: NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver',
    gpus: [
      whole(gpu(0)),
      whole(
        gpu(3, {
          present: false,
          memoryMiB: null,
          memoryUsedMiB: null,
          utilizationPct: null,
          temperatureC: null,
        }),
        {
          state: 'missing',
          holder: held('carol', 'llm'),
        },
      ),
    ],
    usage: [
      {
        user: 'carol',
        uid: 1003,
        group: 'students',
        slots: 1,
        maxSlots: 2,
        gpuEquivalents: 1,
        maxGpuEquivalents: null,
        containers: 1,
        maxContainers: 3,
        queued: 0,
        jobsRunning: 0,
        jobsQueued: 0,
      },
    ],
  }),
};

describe('renderDashboard', () => {
  for (const [name, d] of Object.entries(scenarios)) {
    for (const width of [80, 160]) {
      it(`${name} at ${width} columns`, () => {
        const lines = renderDashboard(d, { width, color: false, timeZone: 'UTC' });
        for (const l of lines) expect(visibleLength(l), l).toBeLessThanOrEqual(width);
        expect(lines.join('\n')).not.toMatch(/\x1b/);
        expect(`\n${lines.join('\n')}\n`).toMatchSnapshot();
      });
    }
  }

  it('colours states only when asked, and coloured lines still fit', () => {
    const d = scenarios['MIG mixed'] as DashboardData;
    const lines = renderDashboard(d, { width: 80, color: true, timeZone: 'UTC' });
    expect(lines.join('\n')).toMatch(/\x1b\[/);
    for (const l of lines) expect(visibleLength(l)).toBeLessThanOrEqual(80);
    const plain = renderDashboard(d, { width: 80, color: false, timeZone: 'UTC' });
    expect(lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''))).toEqual(plain);
  });

  it('never goes below 80 columns and fits odd widths', () => {
    const d = scenarios['full with queue'] as DashboardData;
    expect(renderDashboard(d, { width: 40, color: false })).toEqual(
      renderDashboard(d, { width: 80, color: false }),
    );
    for (const width of [81, 99, 119, 140, 213]) {
      for (const l of renderDashboard(d, { width, color: false }))
        expect(l.length).toBeLessThanOrEqual(width);
    }
  });

  it('lists bookings active now and in the next day; others are "someone", maintenance says so', () => {
    const d = scenarios['full with queue'] as DashboardData;
    const b = (id: number, over: Partial<NonNullable<DashboardData['bookings']>[number]>) => ({
      id,
      owner: null,
      mine: false,
      maintenance: false,
      profile: '3g.40gb',
      slots: 1,
      gpuIndexes: [0],
      from: '2025-03-04T10:00:00.000Z',
      to: '2025-03-04T12:00:00.000Z',
      active: true,
      state: 'used' as const,
      ...over,
    });
    const lines = renderDashboard(
      {
        ...d,
        bookings: [
          b(3, {}),
          b(4, {
            owner: 'ann',
            mine: true,
            active: false,
            state: 'booked',
            from: '2025-03-04T12:20:30.000Z',
            to: '2025-03-04T14:00:00.000Z',
          }),
          b(5, {
            maintenance: true,
            owner: 'maintenance',
            profile: 'full',
            active: false,
            state: 'booked',
            from: '2025-03-05T08:00:00.000Z',
            to: '2025-03-05T09:00:00.000Z',
          }),
        ],
      },
      { width: 80, color: false, timeZone: 'UTC' },
    );
    const text = lines.join('\n');
    expect(text).toMatch(/BOOKINGS {2}1 active, 2 in the next 24h/);
    expect(text).toMatch(/3 +someone +1× 3g\.40gb \(GPU 0\) +10:00:00–12:00:00 +in use/);
    expect(text).toMatch(/4 +ann .* in 2h/);
    expect(text).toMatch(/5 +maintenance +1× full/);
    for (const l of lines) expect(visibleLength(l), l).toBeLessThanOrEqual(80);
  });

  it('shows storage quota lines (admins: who is near or over), fitting 80 columns', () => {
    const d = scenarios['full with queue'] as DashboardData;
    const storage = [
      {
        user: 'alice',
        kind: 'workspace' as const,
        usedBytes: 105 * 2 ** 30,
        hardBytes: 100 * 2 ** 30,
        level: 'hard' as const,
      },
      {
        user: 'bob',
        kind: 'images' as const,
        usedBytes: 45 * 2 ** 30,
        hardBytes: 50 * 2 ** 30,
        level: 'soft' as const,
      },
    ];
    const lines = renderDashboard(
      { ...d, viewer: { name: 'root', admin: true }, storage },
      { width: 80, color: false },
    );
    const text = lines.join('\n');
    expect(text).toContain('DISK (users near or over a storage quota)');
    expect(text).toMatch(/alice +~\/workspace +105\.0 GiB \/ 100\.0 GiB +105% +over/);
    expect(text).toMatch(/bob +images +45\.0 GiB \/ 50\.0 GiB +90% +warning/);
    for (const l of lines) expect(visibleLength(l), l).toBeLessThanOrEqual(80);
    expect(renderDashboard(d, { width: 80, color: false }).join('\n')).not.toContain('DISK');
  });

  it("lists a Slurm cluster's nodes, an unreachable one with why", () => {
    const d = scenarios['full with queue'] as DashboardData;
    const lines = renderDashboard(
      {
        ...d,
        nodes: [
          {
            name: 'n1',
            self: true,
            reachable: true,
            error: null,
            host: 'n1',
            version: d.version,
            summary: d.summary,
            gpus: d.gpus,
          },
          {
            name: 'n2',
            self: false,
            reachable: false,
            error: 'node n2 unreachable: ECONNREFUSED',
            host: null,
            version: null,
            summary: null,
            gpus: [],
          },
        ],
      },
      { width: 80, color: false, timeZone: 'UTC' },
    );
    const text = lines.join('\n');
    expect(text).toMatch(/NODES {2}1 answering, 1 unreachable/);
    expect(text).toMatch(
      new RegExp(`n1 \\(here\\) +up +${d.summary.gpus} +${d.summary.free}/${d.summary.slots}`),
    );
    expect(text).toMatch(/n2 +unreachable +- +- +- +node n2 unreachable: ECONNREFUSED/);
    for (const l of lines) expect(visibleLength(l), l).toBeLessThanOrEqual(80);
  });

  it('says what the viewer can take, and the limit that binds, beside the free count', () => {
    const d = scenarios['full with queue'] as DashboardData;
    const mine = {
      ...d,
      summary: {
        ...d.summary,
        forYou: { canGet: 0, binding: 'allow_full_gpu: no (whole GPUs are not for you)' },
      },
    };
    const line = renderDashboard(mine, { width: 160, color: false }).find((l) => l.includes('for you'));
    expect(line).toMatch(/ · for you: 0 \(allow_full_gpu: no/);
  });

  it('shows host CPU, memory and the state disk, marking a nearly full disk', () => {
    const GiB = 1024 ** 3;
    const resources = (usedPct: number) => ({
      cpu: { cores: 16, loadPct: 12.5 },
      memory: { totalBytes: 64 * GiB, availableBytes: 16 * GiB, usedPct: 75 },
      stateDisk: {
        path: '/var/lib/ds01',
        mount: '/var',
        sizeBytes: 200 * GiB,
        availableBytes: ((100 - usedPct) / 100) * 200 * GiB,
        usedPct,
      },
    });
    const lines = renderDashboard(data({ resources: resources(40) }), { width: 160, color: false });
    expect(lines[2]).toBe(
      'CPU 12.5% of 16 cores · memory 75% used (16.0 GiB free of 64.0 GiB) · state disk 40% used (120.0 GiB free of 200.0 GiB on /var)',
    );
    const full = renderDashboard(data({ resources: resources(95) }), { width: 80, color: true });
    expect(full[2]).toMatch(/^\x1b\[33m/); // yellow, even when clipped
    const wide = renderDashboard(data({ resources: resources(95) }), { width: 200, color: false });
    expect(wide[2]).toMatch(/state disk 95% used .* on \/var\): nearly full$/);
    expect(visibleLength(full[2] as string)).toBeLessThanOrEqual(80);
  });

  it('clip marks a cut', () => {
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('abc', 4)).toBe('abc');
  });
});

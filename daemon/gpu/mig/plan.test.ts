import { describe, expect, it } from 'vitest';
import { modelById } from './models.js';
import { type CurrentInstance, desiredFor, type GpuFacts, instancesOf, planGpu } from './plan.js';
import { reconcile, verifyLayout, waitDecision } from './steps.js';

const H100 = modelById('H100') as NonNullable<ReturnType<typeof modelById>>;
const inst = (gi: number, profile: string, start: number | null, size: number, slots = [`MIG-${gi}`]) => ({
  gi,
  profile,
  start,
  size,
  slots,
});
const gpu = (instances: CurrentInstance[], extra: Partial<GpuFacts> = {}): GpuFacts => ({
  index: 0,
  uuid: 'GPU-0',
  name: 'NVIDIA H100 80GB HBM3',
  migEnabled: true,
  model: H100,
  modelSource: 'builtin',
  instances,
  holders: [],
  ...extra,
});
const mig = (profiles: string[]) => ({ target: { kind: 'mig' as const, profiles }, from: 'model' as const });
// 3g at 4, 2g at 2, two 1g at 0 and 1 (the a100-mig-mixed GPU 0 shape)
const MIXED = [
  inst(2, '3g.40gb', 4, 4),
  inst(3, '2g.20gb', 2, 2),
  inst(9, '1g.10gb', 0, 1),
  inst(10, '1g.10gb', 1, 1),
];

describe('planGpu', () => {
  it('leaves a GPU alone without a desired layout, and says when it is already right', () => {
    expect(planGpu(gpu(MIXED), null).action).toBe('unmanaged');
    expect(planGpu(gpu(MIXED), mig(['1g.10gb', '3g.40gb', '1g.10gb', '2g.20gb'])).action).toBe('none');
  });

  it('keeps instances that fit the new layout, held ones first, and destroys the rest', () => {
    const holders = [{ slot: 'MIG-10', uid: 1001, user: 'alice', containerId: 'c1', containerName: 'x' }];
    const p = planGpu(gpu(MIXED, { holders }), mig(['3g.40gb', '1g.10gb', '1g.10gb', '1g.10gb', '1g.10gb']));
    expect(p).toMatchObject({
      action: 'reconfigure',
      keep: [10, 2, 9],
      destroy: [3],
      affectedSlots: ['MIG-3'],
    });
    expect(p.create.map((c) => `${c.profile}@${c.start}`)).toEqual(['1g.10gb@2', '1g.10gb@3']);
    expect(p.holders).toEqual([]); // alice's 1g stays: she is not stopped
    const all = planGpu(gpu(MIXED, { holders }), mig(['7g.80gb']));
    expect(all).toMatchObject({ keep: [], destroy: [2, 3, 9, 10], holders });
  });

  it('cannot keep what it cannot place: without -lgi placements everything is recreated', () => {
    const unknown = MIXED.map((i) => ({ ...i, start: null }));
    expect(planGpu(gpu(unknown), mig(['3g.40gb', '3g.40gb'])).keep).toEqual([]);
  });

  it('refuses an invalid layout with the model rule, and says MIG mode changes need a reset', () => {
    expect(planGpu(gpu(MIXED), mig(['4g.40gb', '4g.40gb']))).toMatchObject({
      action: 'invalid',
      reason: 'the H100 holds at most 1 × 4g.40gb (asked for 2)',
    });
    expect(planGpu(gpu([], { migEnabled: false }), mig(['7g.80gb'])).reason).toMatch(
      /nvidia-smi -i 0 -mig 1/,
    );
    expect(planGpu(gpu(MIXED), { target: { kind: 'off' }, from: 'index' }).reason).toMatch(/-mig 0/);
    expect(planGpu(gpu([], { migEnabled: false }), { target: { kind: 'off' }, from: 'index' }).action).toBe(
      'none',
    );
    expect(planGpu(gpu([], { model: null, name: 'NVIDIA B200' }), mig(['1g.23gb'])).action).toBe(
      'unsupported',
    );
    expect(planGpu(gpu(MIXED), { target: { kind: 'whole' }, from: 'model' }).desiredProfiles).toEqual([
      '7g.80gb',
    ]);
    // MIG turned on but the GPU not reset yet: nothing can be done until it is.
    const pending = planGpu(gpu([], { migEnabled: false, migPending: true }), mig(['7g.80gb']));
    expect(pending).toMatchObject({ action: 'mode-change' });
    expect(pending.reason).toMatch(/MIG mode on is pending on this GPU: .*nvidia-smi -i 0 -r/);
  });

  it('takes the GPU index entry over the model entry', () => {
    const layout = {
      byIndex: { 1: { kind: 'whole' as const } },
      byModel: { H100: { kind: 'off' as const } },
    };
    expect(desiredFor(layout, 1, 'H100')?.from).toBe('index');
    expect(desiredFor(layout, 0, 'H100')?.target).toEqual({ kind: 'off' });
    expect(desiredFor(layout, 0, 'A30')).toBeNull();
  });

  it('reads instances from -lgi rows, or from the probe’s slots without placements', () => {
    const slots = [
      { uuid: 'MIG-a', gi: 2, profile: '1c.3g.40gb' },
      { uuid: 'MIG-b', gi: 2, profile: '2c.3g.40gb' },
    ];
    expect(instancesOf(0, null, slots)).toEqual(
      [inst(2, '3g.40gb', null, 0, ['MIG-a', 'MIG-b'])].map((i) => ({ ...i, size: null })),
    );
    const lgi = [
      { gpuIndex: 0, profile: '3g.40gb', profileId: 9, gi: 2, placementStart: 4, placementSize: 4 },
    ];
    expect(instancesOf(0, lgi, slots)).toEqual([inst(2, '3g.40gb', 4, 4, ['MIG-a', 'MIG-b'])]);
  });
});

describe('the steps', () => {
  it('waits for holders until the deadline, then stops them', () => {
    expect(waitDecision(100, 200, 0)).toEqual({ kind: 'proceed' });
    expect(waitDecision(100, 200, 1)).toEqual({ kind: 'wait', until: 200 });
    expect(waitDecision(200, 200, 1)).toEqual({ kind: 'stop-holders' });
  });

  const plan = {
    desired: ['4g.40gb', '2g.20gb', '1g.10gb'],
    keep: [13],
    destroy: [7, 8, 9],
    affectedSlots: [],
  };
  it('reconciles from any point: fresh, half-created, or done', () => {
    const kept = inst(13, '1g.10gb', 6, 1);
    const fresh = reconcile(H100, plan, [inst(7, '1g.10gb', 0, 1), inst(8, '1g.10gb', 1, 1), kept]);
    expect(fresh?.destroy).toEqual([7, 8]);
    expect(fresh?.create.map((c) => c.profile)).toEqual(['4g.40gb', '2g.20gb']);
    // A retry after the 4g was made: it is reused (even with a GI id the old layout had), only the 2g is made.
    const half = reconcile(H100, plan, [inst(7, '4g.40gb', 0, 4), kept]);
    expect(half).toEqual({ destroy: [], create: [{ profile: '2g.20gb', id: 14, start: 4, size: 2 }] });
    expect(reconcile(H100, plan, [inst(1, '4g.40gb', 0, 4), inst(2, '2g.20gb', 4, 2), kept])).toEqual({
      destroy: [],
      create: [],
    });
    // A leftover in the way is destroyed, the kept one never.
    const blocked = reconcile(H100, plan, [inst(5, '2g.20gb', 2, 2), kept]);
    expect(blocked?.destroy).toEqual([5]);
  });

  it('verifies the profiles and that every instance has its compute instance', () => {
    expect(
      verifyLayout(['3g.40gb', '3g.40gb'], [inst(1, '3g.40gb', 0, 4), inst(2, '3g.40gb', 4, 4)]),
    ).toBeNull();
    expect(verifyLayout(['3g.40gb', '3g.40gb'], [inst(1, '3g.40gb', 0, 4)])).toBe(
      'nvidia-smi shows 3g.40gb; the plan is 3g.40gb + 3g.40gb',
    );
    expect(verifyLayout(['3g.40gb'], [inst(1, '3g.40gb', 0, 4, [])])).toMatch(
      /GPU instance\(s\) 1 have no compute instance/,
    );
  });
});

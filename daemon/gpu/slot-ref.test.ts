import { describe, expect, it } from 'vitest';
import { type RefSlot, resolveSlotRef } from './slot-ref.js';

const mig = (gpu: number, dev: number, uuid: string, state: RefSlot['state'] = 'available'): RefSlot => ({
  uuid,
  parentUuid: `GPU-${gpu}aaaaaaaa`,
  gpuIndex: gpu,
  kind: 'mig',
  migDeviceIndex: dev,
  state,
});
const full = (gpu: number, uuid: string): RefSlot => ({
  uuid,
  parentUuid: uuid,
  gpuIndex: gpu,
  kind: 'full',
  migDeviceIndex: null,
  state: 'available',
});
const SLOTS = [
  mig(1, 0, 'MIG-447265cb-1111'),
  mig(1, 1, 'MIG-447265cb-2222'),
  mig(1, 2, 'MIG-9d0e11aa-3333'),
  full(2, 'GPU-beefcafe-0000'),
  full(3, 'GPU-beefdead-0000'),
];
const uuids = (r: ReturnType<typeof resolveSlotRef>) => (r.ok ? r.slots.map((s) => s.uuid) : r);

describe('resolveSlotRef: every form `gpu list` shows', () => {
  it('the list label N.M is one MIG slot', () => {
    expect(uuids(resolveSlotRef(SLOTS, '1.2'))).toEqual(['MIG-9d0e11aa-3333']);
    expect(resolveSlotRef(SLOTS, '1.7')).toEqual({ ok: false, reason: 'not_found' });
  });
  it('a GPU index is all the slots of that GPU', () => {
    expect(uuids(resolveSlotRef(SLOTS, '1'))).toHaveLength(3);
    expect(uuids(resolveSlotRef(SLOTS, '2'))).toEqual(['GPU-beefcafe-0000']);
  });
  it('exact slot and GPU UUIDs', () => {
    expect(uuids(resolveSlotRef(SLOTS, 'MIG-447265cb-2222'))).toEqual(['MIG-447265cb-2222']);
    expect(uuids(resolveSlotRef(SLOTS, 'GPU-1aaaaaaaa'))).toHaveLength(3);
  });
  it('a unique prefix, also as the table abbreviates it (trailing …), case-insensitive', () => {
    expect(uuids(resolveSlotRef(SLOTS, 'MIG-9d0e…'))).toEqual(['MIG-9d0e11aa-3333']);
    expect(uuids(resolveSlotRef(SLOTS, 'mig-9d0e11aa...'))).toEqual(['MIG-9d0e11aa-3333']);
    expect(uuids(resolveSlotRef(SLOTS, 'GPU-beefc'))).toEqual(['GPU-beefcafe-0000']);
  });
  it('an ambiguous prefix lists what it matches instead of guessing', () => {
    expect(resolveSlotRef(SLOTS, 'MIG-447265cb…')).toEqual({
      ok: false,
      reason: 'ambiguous',
      candidates: ['MIG-447265cb-1111', 'MIG-447265cb-2222'],
    });
    expect(resolveSlotRef(SLOTS, 'GPU-beef')).toMatchObject({ reason: 'ambiguous' });
  });
  it('too short a prefix is not a match', () => {
    expect(resolveSlotRef(SLOTS, 'MIG-')).toEqual({ ok: false, reason: 'not_found' });
  });
  it('a present slot wins over a missing one with the same label', () => {
    const s = [mig(1, 0, 'MIG-old-0000', 'missing'), mig(1, 0, 'MIG-new-0000')];
    expect(uuids(resolveSlotRef(s, '1.0'))).toEqual(['MIG-new-0000']);
  });
});

import { describe, expect, it } from 'vitest';
import { containerIdFromCgroup, uidFromStatus, unmanagedBySlot } from './attribution.js';
import type { GpuProcess } from './types.js';

const ID = 'a'.repeat(12) + 'b'.repeat(52);

describe('containerIdFromCgroup', () => {
  it('finds the Docker id in cgroupfs, ds01 parents, systemd scopes and v2 paths', () => {
    expect(containerIdFromCgroup(`12:memory:/docker/${ID}\n11:cpu:/docker/${ID}\n`)).toBe(ID);
    expect(containerIdFromCgroup(`0::/ds01/u1001/${ID}\n`)).toBe(ID);
    expect(containerIdFromCgroup(`0::/system.slice/docker-${ID}.scope\n`)).toBe(ID);
    expect(containerIdFromCgroup(`0::/kubepods/besteffort/pod1/cri-containerd-${ID}.scope\n`)).toBe(ID);
  });
  it('a host process has none', () => {
    expect(containerIdFromCgroup('0::/user.slice/user-1001.slice/session-4.scope\n')).toBeNull();
    expect(containerIdFromCgroup(`0::/user.slice/${'c'.repeat(63)}\n`)).toBeNull();
  });
  it('the real uid from status', () => {
    expect(uidFromStatus('Name:\tpython\nUid:\t1001\t1001\t1001\t1001\n')).toBe(1001);
    expect(uidFromStatus('Name:\tx\n')).toBeNull();
  });
});

describe('unmanagedBySlot', () => {
  const p = (pid: number, slotUuid: string | null): GpuProcess => ({
    pid,
    gpuUuid: 'GPU-0',
    slotUuid,
    name: `cmd${pid}`,
    usedMemoryMiB: 10,
  });
  it("leaves ds01's own and ended processes out; keeps bare metal and foreign containers; skips unknown slots", () => {
    const facts = new Map([
      [1, { uid: 1001, containerId: ID }], // ds01's
      [2, { uid: 1002, containerId: null }], // bare metal
      [3, { uid: 0, containerId: 'f'.repeat(64) }], // not ds01's
      [4, null], // ended
      [5, { uid: 1003, containerId: null }], // MIG slot unknown
    ]);
    const out = unmanagedBySlot(
      [p(1, 'S1'), p(2, 'S1'), p(3, 'S2'), p(4, 'S2'), p(5, null)],
      facts,
      (id) => id === ID,
    );
    expect([...out.keys()]).toEqual(['S1', 'S2']);
    expect(out.get('S1')).toEqual([
      { pid: 2, uid: 1002, command: 'cmd2', usedMemoryMiB: 10, foreignContainer: null },
    ]);
    expect(out.get('S2')?.[0]?.foreignContainer).toBe('ffffffffffff');
  });
});

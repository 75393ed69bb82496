import { describe, expect, it } from 'vitest';
import type { Limits } from '../policy/types.js';
import { buildContainerSpec, cgroupParentFor, KEEPALIVE_COMMAND, SpecError, type SpecInput } from './spec.js';

const limits: Limits = {
  priority: 10,
  maxMigInstances: 2,
  maxGpuEquivalents: null,
  maxGpusPerContainer: 1,
  allowFullGpu: true,
  maxCpus: 1.5,
  memoryBytes: 256 * 1024 ** 2,
  memorySwapBytes: 512 * 1024 ** 2,
  shmSizeBytes: 64 * 1024 ** 2,
  pidsLimit: 256,
  maxContainersPerUser: 3,
  idleTimeoutMs: null,
  maxRuntimeMs: null,
  gpuHoldAfterStopMs: null,
  containerHoldAfterStopMs: null,
  maxExtensions: 0,
  extensionMs: null,
  storageWorkspaceBytes: null,
  storageImagesBytes: null,
};

const input = (over: Partial<SpecInput> = {}): SpecInput => ({
  project: 'proj',
  owner: { uid: 1234, gid: 1235, name: 'alice' },
  image: 'img:1',
  workspace: '/home/alice/workspace/proj',
  limits,
  slots: [],
  sharedMounts: [],
  cgroupParent: null,
  createdBy: 'ds01d 0.1.0',
  ...over,
});

describe('buildContainerSpec', () => {
  it('names, user, workspace, limits and hardening come from the daemon', () => {
    const s = buildContainerSpec(input());
    expect(s.name).toBe('proj._.1234');
    expect(s.User).toBe('1234:1235');
    expect(s.WorkingDir).toBe('/workspace');
    expect(s.Cmd).toEqual(KEEPALIVE_COMMAND);
    const h = s.HostConfig!;
    expect(h.Binds).toEqual(['/home/alice/workspace/proj:/workspace:rw']);
    expect(h.NanoCpus).toBe(1_500_000_000);
    expect(h.Memory).toBe(256 * 1024 ** 2);
    expect(h.MemorySwap).toBe(512 * 1024 ** 2);
    expect(h.ShmSize).toBe(64 * 1024 ** 2);
    expect(h.PidsLimit).toBe(256);
    expect(h.Init).toBe(true);
    expect(h.Privileged).toBe(false);
    expect(h.CapDrop).toEqual(['ALL']);
    expect(h.CapAdd).toEqual([]);
    expect(h.Devices).toEqual([]);
    expect(h.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(h.NetworkMode).not.toBe('host');
    expect(h.CgroupParent).toBeUndefined();
    expect(h.DeviceRequests).toBeUndefined();
    expect(s.Env).toContain('NVIDIA_VISIBLE_DEVICES=void');
    expect(s.Env).toEqual(expect.arrayContaining(['HOME=/home/alice', 'USER=alice', 'LOGNAME=alice']));
    expect(s.Labels).toEqual({
      'ds01.owner.uid': '1234',
      'ds01.owner.name': 'alice',
      'ds01.project': 'proj',
      'ds01.gpu.slots': '',
      'ds01.created-by': 'ds01d 0.1.0',
      'ds01.managed': 'true',
    });
    expect(s).not.toHaveProperty('HostConfig.GroupAdd');
    expect(s).not.toHaveProperty('HostConfig.Runtime');
  });

  it('GPU slots go by UUID in DeviceRequests and NVIDIA_VISIBLE_DEVICES', () => {
    const slots = ['MIG-aaaa', 'MIG-bbbb'];
    const s = buildContainerSpec(input({ slots }));
    expect(s.HostConfig?.DeviceRequests).toEqual([
      { Driver: 'nvidia', DeviceIDs: slots, Capabilities: [['gpu']] },
    ]);
    expect(s.Env).toContain('NVIDIA_VISIBLE_DEVICES=MIG-aaaa,MIG-bbbb');
    expect(s.Labels?.['ds01.gpu.slots']).toBe('MIG-aaaa,MIG-bbbb');
  });

  it('shared mounts are read-only; unlimited limits are left unset', () => {
    const s = buildContainerSpec(
      input({
        sharedMounts: [{ source: '/data/sets', target: '/data' }],
        limits: { ...limits, maxCpus: null, memoryBytes: null, shmSizeBytes: null, pidsLimit: null },
      }),
    );
    expect(s.HostConfig?.Binds).toContain('/data/sets:/data:ro');
    expect(s.HostConfig).not.toHaveProperty('NanoCpus');
    expect(s.HostConfig).not.toHaveProperty('Memory');
    expect(s.HostConfig).not.toHaveProperty('MemorySwap');
    expect(s.HostConfig).not.toHaveProperty('PidsLimit');
  });

  it("caps max_cpus at the host's CPU count (Docker refuses more), and leaves it when the host has more", () => {
    expect(buildContainerSpec(input({ hostCpus: 1 })).HostConfig?.NanoCpus).toBe(1_000_000_000);
    expect(buildContainerSpec(input({ hostCpus: 64 })).HostConfig?.NanoCpus).toBe(1_500_000_000);
    expect(buildContainerSpec(input({ hostCpus: null })).HostConfig?.NanoCpus).toBe(1_500_000_000);
  });

  it('client env passes only when allowed, and cannot override the daemon values', () => {
    const s = buildContainerSpec(input({ env: { FOO: 'bar' } }));
    expect(s.Env).toContain('FOO=bar');
    for (const bad of ['NVIDIA_VISIBLE_DEVICES', 'LD_PRELOAD', 'HOME', 'lower']) {
      expect(() => buildContainerSpec(input({ env: { [bad]: 'x' } }))).toThrow(SpecError);
    }
  });

  it('refuses a bad project name even if it got past the schema', () => {
    for (const p of ['../x', 'a/b', 'A', 'a b'])
      expect(() => buildContainerSpec(input({ project: p }))).toThrow(SpecError);
  });

  it('a cgroup parent only with aggregate limits on a systemd-driver dockerd', () => {
    expect(cgroupParentFor(1234, true, 'systemd')).toBe('ds01-u1234.slice');
    expect(cgroupParentFor(1234, true, 'cgroupfs')).toBe('/ds01/u1234');
    expect(cgroupParentFor(1234, true, null)).toBeNull();
    expect(cgroupParentFor(1234, false, 'systemd')).toBeNull();
    expect(buildContainerSpec(input({ cgroupParent: 'ds01-u1234.slice' })).HostConfig?.CgroupParent).toBe(
      'ds01-u1234.slice',
    );
  });
});

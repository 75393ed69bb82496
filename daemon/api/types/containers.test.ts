import { describe, expect, it } from 'vitest';
import { containerCreateRequest, containerDeployRequest, envProblem, gpuRequestOf } from './containers.js';

describe('envProblem', () => {
  it('allows ordinary upper-case names', () => {
    for (const n of ['FOO', 'MY_VAR_2', '_X', 'CUDA_VISIBLE_DEVICES']) expect(envProblem(n)).toBeNull();
  });
  it.each([
    'NVIDIA_VISIBLE_DEVICES',
    'NVIDIA_DRIVER_CAPABILITIES',
    'LD_PRELOAD',
    'HOME',
    'USER',
    'lower',
    '1ABC',
    'A-B',
    'A=B',
    '',
  ])('refuses %j', (n) => {
    expect(envProblem(n)).not.toBeNull();
  });
});

describe('request schema: nothing to smuggle through', () => {
  const base = { name: 'proj', image: 'ds01-test/busybox:latest' };
  it('accepts a plain request', () => {
    expect(
      containerDeployRequest.parse({ ...base, mig: '1g.10gb', queue: true, env: { FOO: 'x' } }),
    ).toMatchObject(base);
  });
  it.each([
    ['labels', { labels: { 'ds01.owner.uid': '0' } }],
    ['Labels', { Labels: { 'ds01.owner.uid': '0' } }],
    ['binds', { binds: ['/etc:/host-etc'] }],
    ['volumes', { volumes: ['/:/host'] }],
    ['devices', { devices: ['/dev/sda'] }],
    ['privileged', { privileged: true }],
    ['capAdd', { capAdd: ['SYS_ADMIN'] }],
    ['cap_add', { cap_add: ['SYS_ADMIN'] }],
    ['cgroupParent', { cgroupParent: 'system.slice' }],
    ['runtime', { runtime: 'runc' }],
    ['networkMode', { networkMode: 'host' }],
    ['network', { network: 'host' }],
    ['user', { user: '0:0' }],
    ['HostConfig', { HostConfig: { Privileged: true } }],
    ['securityOpt', { securityOpt: ['seccomp=unconfined'] }],
    ['owner', { owner: 'root' }],
  ])('an extra field (%s) is a validation error', (_k, extra) => {
    const r = containerDeployRequest.safeParse({ ...base, ...extra });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.code).toBe('unrecognized_keys');
    expect(containerCreateRequest.safeParse({ ...base, ...extra }).success).toBe(false);
  });
  it('refuses NVIDIA_* and LD_PRELOAD in env, naming the variable', () => {
    const r = containerDeployRequest.safeParse({
      ...base,
      env: { NVIDIA_VISIBLE_DEVICES: 'all', LD_PRELOAD: '/x.so' },
    });
    expect(r.success).toBe(false);
    const msgs = r.error?.issues.map((i) => i.message).join('\n');
    expect(msgs).toMatch(/NVIDIA_VISIBLE_DEVICES: NVIDIA_\* variables are set by ds01/);
    expect(msgs).toMatch(/LD_PRELOAD cannot be set/);
  });
  it('refuses bad names, image references with options, and gpus with mig together', () => {
    for (const name of ['a/b', '..', 'has space', 'Upper'])
      expect(containerCreateRequest.safeParse({ name }).success).toBe(false);
    expect(containerCreateRequest.safeParse({ name: 'a', image: '--privileged' }).success).toBe(false);
    expect(containerCreateRequest.safeParse({ name: 'a', gpus: 1, mig: '1g.10gb' }).success).toBe(false);
    expect(containerCreateRequest.safeParse({ name: 'a', image: 'x', framework: 'y' }).success).toBe(false);
    expect(containerCreateRequest.safeParse({ name: 'a', queue: true }).success).toBe(false); // deploy only
  });
});

describe('gpuRequestOf', () => {
  it('defaults to one slot; 0 is CPU only; mig names a profile', () => {
    expect(gpuRequestOf({})).toEqual({ count: 1, profile: null, wholeGpu: false });
    expect(gpuRequestOf({ gpus: 0 })).toBeNull();
    expect(gpuRequestOf({ gpus: 2, wholeGpu: true })).toEqual({ count: 2, profile: null, wholeGpu: true });
    expect(gpuRequestOf({ mig: '1g.10gb' })).toEqual({ count: 1, profile: '1g.10gb', wholeGpu: false });
  });
});

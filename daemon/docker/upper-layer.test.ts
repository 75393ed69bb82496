import { describe, expect, it } from 'vitest';
import { storageFacts, upperLayerTarget } from './upper-layer.js';

const host = storageFacts({ Driver: 'overlay2', DockerRootDir: '/var/lib/docker', SecurityOptions: [] });
const fresh = {
  status: 'created',
  driver: 'overlay2',
  upperDir: '/var/lib/docker/overlay2/x/diff',
  lowerDir: '/var/lib/docker/overlay2/x-init/diff:/var/lib/docker/overlay2/y/diff',
  workingDir: '/workspace',
};

describe('upperLayerTarget', () => {
  it('a fresh overlay2 container of a local dockerd: its layers', () => {
    expect(upperLayerTarget(host, fresh)).toEqual({
      ok: true,
      rootDir: '/var/lib/docker',
      upperDir: fresh.upperDir,
      lowerDirs: ['/var/lib/docker/overlay2/x-init/diff', '/var/lib/docker/overlay2/y/diff'],
      workingDir: '/workspace',
    });
  });

  it.each([
    ['another driver', { ...host, driver: 'vfs' }, { ...fresh, driver: 'vfs' }, /vfs, not overlay2/],
    [
      'the containerd image store',
      storageFacts({
        Driver: 'overlayfs',
        DockerRootDir: '/var/lib/docker',
        DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']],
      }),
      { ...fresh, driver: 'overlayfs' },
      /not overlay2/,
    ],
    ['a snapshotter that says overlay2', { ...host, snapshotter: true }, fresh, /containerd image store/],
    [
      'user-namespace remapping',
      storageFacts({
        Driver: 'overlay2',
        DockerRootDir: '/var/lib/docker/100000.100000',
        SecurityOptions: ['name=seccomp,profile=default', 'name=userns'],
      }),
      fresh,
      /user-namespace/,
    ],
    ['no data root (remote)', { ...host, rootDir: null }, fresh, /no local data root/],
    ['a container that ran', host, { ...fresh, status: 'exited' }, /exited, not fresh/],
    ['no upper dir in inspect', host, { ...fresh, upperDir: null }, /no upper/],
  ])('%s: the archive put', (_, h, c, why) => {
    const t = upperLayerTarget(h, c);
    expect(t.ok).toBe(false);
    if (!t.ok) expect(t.why).toMatch(why);
  });
});

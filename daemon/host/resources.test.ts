import { describe, expect, it } from 'vitest';
import { diskOf, hostResources } from './resources.js';

const GiB = 1024 ** 3;
const mounts = [
  { mount: '/', size: 100 * GiB, available: 60 * GiB },
  { mount: '/var', size: 200 * GiB, available: 20 * GiB },
  { mount: '/var/lib/docker/overlay2/abc/merged', size: 200 * GiB, available: 20 * GiB },
  { mount: '/varx', size: 10 * GiB, available: 10 * GiB },
];

describe('diskOf', () => {
  it('is the longest mount holding the directory, on path boundaries', () => {
    expect(diskOf('/var/lib/ds01', mounts)).toEqual({
      path: '/var/lib/ds01',
      mount: '/var',
      sizeBytes: 200 * GiB,
      availableBytes: 20 * GiB,
      usedPct: 90,
    });
    expect(diskOf('/varnish/state', mounts)?.mount).toBe('/'); // /var is not a prefix of /varnish
    expect(diskOf('/var', mounts)?.mount).toBe('/var');
    expect(diskOf('/srv/ds01', [{ mount: '/srv/', size: 1, available: 1 }])?.mount).toBe('/srv/');
  });
  it('is null when nothing is mounted there', () => {
    expect(diskOf('/var/lib/ds01', [{ mount: '/home', size: 1, available: 1 }])).toBeNull();
  });
});

describe('hostResources', () => {
  it('reports memory used as what is not available, and rounds for people', () => {
    const r = hostResources('/var/lib/ds01', {
      cores: 16,
      load: 12.345,
      memTotal: 64 * GiB,
      memAvailable: 16 * GiB,
      mounts,
    });
    expect(r.cpu).toEqual({ cores: 16, loadPct: 12.3 });
    expect(r.memory).toEqual({ totalBytes: 64 * GiB, availableBytes: 16 * GiB, usedPct: 75 });
    expect(r.stateDisk?.usedPct).toBe(90);
  });
});

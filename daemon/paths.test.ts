import { describe, expect, it } from 'vitest';
import { daemonDirFrom } from './paths.js';

describe('daemonDirFrom', () => {
  it('finds dist/daemon from the bundle, its chunks and tsc output alike', () => {
    expect(daemonDirFrom('/opt/ds01/dist/daemon/main.js')).toBe('/opt/ds01/dist/daemon');
    expect(daemonDirFrom('/opt/ds01/dist/daemon/chunks/ssh-server-AB12.js')).toBe('/opt/ds01/dist/daemon');
    expect(daemonDirFrom('/opt/ds01/dist/daemon/services/workspace-binder.js')).toBe('/opt/ds01/dist/daemon');
    expect(daemonDirFrom('/repo/daemon/paths.ts')).toBe('/repo/daemon');
  });

  it('says so when there is no daemon directory', () => {
    expect(() => daemonDirFrom('/opt/elsewhere/main.js')).toThrow(/no daemon\/ directory/);
  });
});

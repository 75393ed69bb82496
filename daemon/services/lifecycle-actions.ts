// The lifecycle engine's ports, implemented by the daemon's services: stops and removals go through the
// container service (the one stop path: idempotent Docker calls, store update, GPU hold, audit), GPU
// release through the leases; Docker is read directly for state and one-shot stats.
import type { Caller } from '../api/router.js';
import type { DockerClient } from '../docker/client.js';
import type { DockerStatsSample } from '../docker/stats.js';
import type { DockerProbe, LifecycleActions } from '../lifecycle/engine.js';
import type { GpuLeases } from './gpu-leases.js';

/** The daemon acting on its own (automatic stops and removals); admin so any owner's container resolves. */
const SYSTEM: Caller = {
  uid: 0,
  gid: 0,
  pid: process.pid,
  name: 'ds01d',
  home: '/',
  groups: [],
  admin: true,
};

/** The part of ContainerService the lifecycle uses. */
export interface ContainerStopRemove {
  stop(caller: Caller, ref: string, opts: { timeout?: number }): Promise<unknown>;
  remove(caller: Caller, ref: string, opts: { force?: boolean }): Promise<unknown>;
  sessionsOf(containerId: string): number;
}

export function lifecycleActions(
  containers: ContainerStopRemove,
  leases: Pick<GpuLeases, 'releaseForContainer'>,
): LifecycleActions {
  return {
    stop: async (id, _reason, graceSec) => {
      await containers.stop(SYSTEM, id, { timeout: graceSec });
    },
    remove: async (id) => {
      await containers.remove(SYSTEM, id, { force: false });
    },
    releaseGpu: (id, reason) => leases.releaseForContainer(id, reason, 'ds01d'),
    sessionsOf: (id) => containers.sessionsOf(id),
  };
}

export function dockerProbe(docker: DockerClient): DockerProbe {
  return {
    state: async (id) => (await docker.inspect(id))?.state ?? null,
    // one-shot: Docker answers at once instead of waiting ~1-2 s for a second reading; CPU % is then
    // computed against our previous sample.
    stats: async (id) =>
      (await docker.docker
        .getContainer(id)
        .stats({ stream: false, 'one-shot': true })) as unknown as DockerStatsSample,
  };
}

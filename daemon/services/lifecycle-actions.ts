// The lifecycle engine's ports, implemented by the daemon's services: stops and removals go through the
// container service (the one stop path: idempotent Docker calls, store update, GPU hold, audit), GPU
// release through the leases; Docker is read directly for state and one-shot stats.
import type { DockerClient } from '../docker/client.js';
import type { DockerProbe, LifecycleActions } from '../lifecycle/engine.js';
import type { GpuLeases } from './gpu-leases.js';

/** The part of ContainerService the lifecycle uses: the one stop/remove path, acting as ds01d. */
export interface ContainerStopRemove {
  stopAsDaemon(id: string, reason: string, timeoutSec: number, told?: string): Promise<void>;
  removeAsDaemon(id: string, reason: string): Promise<void>;
  sessionsOf(containerId: string): number;
  inFlight(nameOrId: string): boolean;
}

export function lifecycleActions(
  containers: ContainerStopRemove,
  leases: Pick<GpuLeases, 'releaseForContainer'>,
): LifecycleActions {
  return {
    stop: (id, reason, graceSec, told) => containers.stopAsDaemon(id, reason, graceSec, told),
    remove: (id, reason) => containers.removeAsDaemon(id, reason),
    releaseGpu: (id, reason) => leases.releaseForContainer(id, reason, 'ds01d'),
    sessionsOf: (id) => containers.sessionsOf(id),
    // Never act on a container a user's create/start/stop/remove is in the middle of.
    inTransition: (id) => containers.inFlight(id),
  };
}

export function dockerProbe(docker: DockerClient): DockerProbe {
  return {
    state: async (id) => (await docker.inspect(id))?.state ?? null,
    // one-shot: Docker answers at once instead of waiting ~1-2 s for a second reading; CPU % is then
    // computed against our previous sample.
    stats: (id) => docker.statsOnce(id),
  };
}

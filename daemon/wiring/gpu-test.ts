// The GPU routes, wired: the admin's (list, drain, release, refresh) and `ds01 gpu test SLOT` — the tester
// over the daemon's Docker, images and slots, and the removal of test containers a killed ds01d left
// behind. Part of the composition root.
import type Docker from 'dockerode';
import type { Route } from '../api/router.js';
import { gpuTestRoutes } from '../api/routes/gpu-test.js';
import { gpuRoutes } from '../api/routes/gpus.js';
import type { Clock } from '../clock.js';
import type { DockerOps } from '../docker/ops.js';
import type { ImageResolver } from '../images/resolver.js';
import type { Logger } from '../log.js';
import type { GpuAdmin } from '../services/gpu-admin.js';
import { GPU_TEST_LABEL, GpuTester } from '../services/gpu-test.js';
import type { PolicyService } from '../services/policy.js';
import type { Store } from '../store/index.js';

export interface GpuTestWiring {
  store: Store;
  dockerHandle: Docker;
  dockerOps: DockerOps;
  imageResolver: ImageResolver;
  policy: PolicyService;
  gpuAdmin: GpuAdmin;
  clock: Clock;
  log: Logger;
}

export function startGpuTest(w: GpuTestWiring): Route[] {
  const tester = new GpuTester({
    store: w.store,
    ops: w.dockerOps,
    images: w.imageResolver,
    policy: w.policy,
    resolveSlots: (ref) => w.gpuAdmin.resolve(ref),
    leftovers: async () =>
      (await w.dockerHandle.listContainers({ all: true, filters: { label: [GPU_TEST_LABEL] } })).map(
        (c) => c.Id,
      ),
    clock: w.clock,
    log: w.log,
  });
  void tester.removeLeftovers().catch(() => undefined);
  return [...gpuRoutes(w.gpuAdmin), ...gpuTestRoutes(tester)];
}

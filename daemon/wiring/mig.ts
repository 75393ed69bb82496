// Wires MIG reconfiguration (issue 22) from the daemon's parts: the service behind /v1/admin/mig and the
// runner that moves changes through their steps (started here; open changes resume at once after a restart).
import type { Route } from '../api/router.js';
import { migRoutes } from '../api/routes/mig.js';
import type { Clock } from '../clock.js';
import { writeToTerminals } from '../lifecycle/terminals.js';
import type { Logger } from '../log.js';
import type { ContainerService } from '../services/containers/index.js';
import { execProgram, type GpuInventoryService } from '../services/gpu-inventory.js';
import type { GpuLeases } from '../services/gpu-leases.js';
import { MigService } from '../services/mig/index.js';
import { MigRunner } from '../services/mig/runner.js';
import { MigSmi } from '../services/mig/smi.js';
import type { PolicyService } from '../services/policy.js';
import type { Settings } from '../settings.js';
import type { Store } from '../store/index.js';

export interface MigWiring {
  routes: Route[];
  stop(): Promise<void>;
}

export function startMig(p: {
  settings: Pick<Settings, 'nvidiaSmi'>;
  store: Store;
  gpus: GpuInventoryService;
  leases: GpuLeases;
  containerService: ContainerService;
  policy: PolicyService;
  clock: Clock;
  log: Logger;
}): MigWiring {
  const smi = new MigSmi(p.settings.nvidiaSmi, execProgram);
  const runner = new MigRunner({
    store: p.store,
    smi,
    inventory: p.gpus,
    leases: p.leases,
    stopContainer: (id, reason, graceSec, told) =>
      p.containerService.stopAsDaemon(id, reason, graceSec, told),
    graceSec: () => p.policy.current().lifecycle.sigtermGraceSec,
    warningPointsMs: () => p.policy.current().lifecycle.warningPointsMs,
    notifyTerminals: writeToTerminals,
    clock: p.clock,
    log: p.log,
    // Steps run only while the daemon is up: from leases.start() (just before Docker sync starts) to
    // leases.stop() at shutdown. Open changes resume at the first tick after a restart.
    ready: () => p.leases.isStarted,
  });
  runner.start();
  const service = new MigService({
    store: p.store,
    smi,
    inventory: p.gpus,
    policy: () => p.policy.current(),
    runner,
    notifyCapacityFreed: () => p.leases.notifyCapacityFreed(),
    clock: p.clock,
  });
  return { routes: migRoutes(service), stop: () => runner.stop() };
}

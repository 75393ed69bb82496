// `ds01 status` / GET /v1/system/info: what the daemon is, how long it has run, and whether Docker,
// the policy, the GPUs and the database are as they should be.
import type { HostResources, SystemStatus } from '../api/types/system.js';
import type { Clock } from '../clock.js';
import { VERSION } from '../common/version.js';
import type { Inventory } from '../gpu/types.js';
import type { Store } from '../store/index.js';
import type { PolicyService } from './policy.js';

export interface SystemDeps {
  store: Store;
  dockerVersion: () => Promise<string>;
  policy: Pick<PolicyService, 'file' | 'loadedAt' | 'lastError' | 'source'>;
  inventory: () => Inventory | null;
  host: () => Promise<HostResources | null>;
  clock: Clock;
}

export class SystemService {
  private readonly startedAt: number;

  constructor(private readonly d: SystemDeps) {
    this.startedAt = d.clock.now();
  }

  async status(): Promise<SystemStatus> {
    const { store, policy, clock } = this.d;
    let dockerVersion: string | null = null;
    let dockerError: string | null = null;
    try {
      dockerVersion = await this.d.dockerVersion();
    } catch (err) {
      dockerError = (err as Error).message;
    }
    const host = await this.d.host();
    const slotCounts = store.slots.counts();
    const allocated = store.allocations.live().length;
    return {
      version: VERSION,
      apiVersion: 'v1',
      startedAt: new Date(this.startedAt).toISOString(),
      uptimeSec: Math.round((clock.now() - this.startedAt) / 1000),
      docker: { reachable: dockerVersion !== null, version: dockerVersion, error: dockerError },
      policy: {
        file: policy.file,
        loadedAt: policy.loadedAt ? new Date(policy.loadedAt).toISOString() : null,
        lastError: policy.lastError,
        runningOn:
          policy.source.kind === 'file'
            ? null
            : { path: policy.source.path, savedAt: new Date(policy.source.savedAt).toISOString() },
      },
      gpus: {
        total: this.d.inventory()?.gpus.length ?? 0,
        slots: slotCounts.total,
        available: slotCounts.available,
        allocated,
        missing: slotCounts.missing,
      },
      containers: store.containers.counts(),
      database: { path: store.path, schemaVersion: store.schemaVersion() },
      host,
    };
  }
}

// Shared set-up for the GPU service tests: a real SQLite store in a temp dir, the fast test policy, a clock
// the test moves, and an NSS stand-in. Not imported by the daemon.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Slot } from '../../daemon/gpu/types.js';
import type { Account, AccountLookup } from '../../daemon/identity/nss.js';
import { silentLogger } from '../../daemon/log.js';
import { GpuLeases } from '../../daemon/services/gpu-leases.js';
import { PolicyService } from '../../daemon/services/policy.js';
import { Store } from '../../daemon/store/index.js';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export function migSlot(gpu: number, dev: number, profile = '1g.10gb', slices = 1): Slot {
  return {
    uuid: `MIG-${gpu}-${dev}`,
    parentUuid: `GPU-${gpu}`,
    gpuIndex: gpu,
    kind: 'mig',
    profile,
    migDeviceIndex: dev,
    gi: dev,
    ci: 0,
    memoryMiB: 9728,
    computeSlices: slices,
    gpuEquivalents: slices / 7,
  };
}

export interface Kit {
  dir: string;
  store: Store;
  policy: PolicyService;
  policyFile: string;
  clock: { now(): number; t: number };
  accounts: AccountLookup;
  leases: GpuLeases;
  setSlots(slots: Slot[]): void;
  /** A containers row, so allocations can point at it (foreign key). */
  container(id: string, uid: number, name?: string): void;
  close(): void;
}

export function gpuKit(
  opts: { policyPatch?: (yaml: string) => string; slots?: Slot[]; groups?: Record<number, string[]> } = {},
): Kit {
  const dir = mkdtempSync(join(tmpdir(), 'ds01-gpu-'));
  const policyFile = join(dir, 'resource-limits.yaml');
  copyFileSync(join(REPO, 'testing/fixtures/policies/test-fast.yaml'), policyFile);
  if (opts.policyPatch) {
    writeFileSync(policyFile, opts.policyPatch(readFileSync(policyFile, 'utf8')));
  }
  const clock = {
    t: Date.parse('2025-01-01T00:00:00Z'),
    now() {
      return this.t;
    },
  };
  const store = Store.open(join(dir, 'ds01.db'));
  const policy = PolicyService.load(policyFile, clock, silentLogger);
  const accounts: AccountLookup = {
    byUid: async (uid): Promise<Account> => ({
      uid,
      gid: uid,
      name: `u${uid}`,
      home: `/home/u${uid}`,
      shell: '/bin/sh',
      groups: opts.groups?.[uid] ?? [],
    }),
    byName: async () => null,
    groupMembers: async () => null,
  };
  const leases = new GpuLeases(store, policy, accounts, clock, silentLogger);
  const kit: Kit = {
    dir,
    store,
    policy,
    policyFile,
    clock,
    accounts,
    leases,
    setSlots(slots) {
      store.tx(() => store.slots.sync(slots, new Map(), clock.now()));
    },
    container(id, uid, name = id) {
      store.containers.insert({
        id,
        name: `${name}._.${uid}`,
        project: name,
        owner_uid: uid,
        owner_name: `u${uid}`,
        image: 'img',
        state: 'running',
        created_at: clock.now(),
        started_at: clock.now(),
      });
    },
    close() {
      leases.stop();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  kit.setSlots(opts.slots ?? [0, 1, 2, 3, 4, 5, 6].map((d) => migSlot(1, d)));
  return kit;
}

// GPU processes outside ds01 (issue 18): on every probe each compute process is looked up in /proc (its
// cgroup names the container it runs in, its status the owner); one in no ds01 container makes its slot
// `busy (unmanaged)`: shown by gpu list, the dashboard and /metrics, not handed out (unless the policy's
// gpu_allocation.allow_unmanaged), and an event that tells its owner and the admins' `unmanaged` channels.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  containerIdFromCgroup,
  type ProcFacts,
  type UnmanagedProcess,
  uidFromStatus,
  unmanagedBySlot,
} from '../gpu/attribution.js';
import type { Inventory } from '../gpu/types.js';
import type { AccountLookup } from '../identity/nss.js';
import { type Audit, auditLog } from '../store/audit.js';
import type { Store } from '../store/index.js';
import type { PolicyService } from './policy.js';

export type UnmanagedFound = Map<string, UnmanagedProcess[]>;

export class UnmanagedWatch {
  private readonly audit: Audit;

  constructor(
    private readonly store: Store,
    private readonly procRoot: string,
    private readonly policy: Pick<PolicyService, 'current'>,
    private readonly accounts: Pick<AccountLookup, 'byUid'>,
  ) {
    this.audit = auditLog(store.events, () => Date.now());
  }

  /** The I/O half: /proc and NSS for every process nvidia-smi listed. */
  async find(inv: Inventory): Promise<UnmanagedFound> {
    const facts = new Map<number, ProcFacts | null>();
    await Promise.all(inv.processes.map(async (p) => facts.set(p.pid, await this.procFacts(p.pid))));
    const bySlot = unmanagedBySlot(inv.processes, facts, (id) => this.store.containers.get(id) !== undefined);
    const out: UnmanagedFound = new Map();
    for (const [slot, list] of bySlot)
      out.set(
        slot,
        await Promise.all(
          list.map(async (p) => ({ ...p, user: (await this.accounts.byUid(p.uid))?.name ?? `uid ${p.uid}` })),
        ),
      );
    return out;
  }

  private async procFacts(pid: number): Promise<ProcFacts | null> {
    if (!Number.isInteger(pid) || pid <= 0) return null;
    try {
      const [cgroup, status] = await Promise.all([
        readFile(join(this.procRoot, String(pid), 'cgroup'), 'utf8'),
        readFile(join(this.procRoot, String(pid), 'status'), 'utf8'),
      ]);
      const uid = uidFromStatus(status);
      return uid === null ? null : { uid, containerId: containerIdFromCgroup(cgroup) };
    } catch {
      return null; // ended since nvidia-smi listed it
    }
  }

  /**
   * Inside the probe's transaction: store each slot's unmanaged processes, an event per process newly
   * seen and per slot left free of them. True when a slot stopped being blocked (capacity freed).
   */
  record(found: UnmanagedFound, now: number): boolean {
    const blocks = this.policy.current().gpuAllocation.allowUnmanaged !== true;
    let unblocked = false;
    for (const slot of this.store.slots.all()) {
      const list = found.get(slot.uuid) ?? [];
      const before = slot.unmanaged_json ? (JSON.parse(slot.unmanaged_json) as UnmanagedProcess[]) : [];
      const json = list.length ? JSON.stringify(list) : null;
      if (!this.store.slots.setUnmanaged(slot.uuid, json, blocks && list.length > 0)) continue;
      if (slot.unmanaged_blocks === 1 && !(blocks && list.length > 0)) unblocked = true;
      const where = `GPU ${slot.gpu_index}${slot.profile ? ` (${slot.profile} slot ${slot.uuid})` : ''}`;
      for (const p of list.filter((x) => !before.some((b) => b.pid === x.pid)))
        this.audit.byDaemon(
          'gpu.unmanaged',
          { subjectUid: p.uid },
          `${p.user}'s process ${p.pid} (${p.command}) computes on ${where} outside ds01` +
            (p.foreignContainer ? ` in container ${p.foreignContainer}, which ds01 did not make` : '') +
            (blocks ? '; ds01 does not hand that slot out until it ends' : ''),
          { slot: slot.uuid, gpuIndex: slot.gpu_index, ...p },
          now,
        );
      if (before.length > 0 && list.length === 0)
        this.audit.byDaemon(
          'gpu.unmanaged_gone',
          { subjectUid: null },
          `no process outside ds01 computes on ${where} any more`,
          { slot: slot.uuid, gpuIndex: slot.gpu_index },
          now,
        );
    }
    return unblocked;
  }
}

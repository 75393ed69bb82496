// Keeps gpu_slots in step with nvidia-smi. A probe failure never wipes the inventory (a broken driver
// is not "every GPU vanished"); a slot that disappears is marked missing and its holders are told.
import { execFile } from 'node:child_process';
import type { Clock } from '../clock.js';
import { migDrainReason } from '../gpu/mig/drain.js';
import { type Exec, GpuProbeError, probeGpus } from '../gpu/probe.js';
import type { Inventory } from '../gpu/types.js';
import type { AccountLookup } from '../identity/nss.js';
import type { Logger } from '../log.js';
import type { Settings } from '../settings.js';
import { type Audit, auditLog } from '../store/audit.js';
import type { Store } from '../store/index.js';
import { GpuHealthWatch } from './gpu-health.js';
import { GpuConditionWatch } from './gpu-health-probe.js';
import { UnmanagedWatch } from './gpu-unmanaged.js';
import type { PolicyService } from './policy.js';

export const execProgram: Exec = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: 30_000, maxBuffer: 32 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = (err as NodeJS.ErrnoException | null)?.code;
        if (typeof code === 'string') return reject(err);
        resolve({ stdout: String(stdout), stderr: String(stderr), code: err ? Number(code ?? 1) : 0 });
      },
    );
  });

export class GpuInventoryService {
  last: Inventory | null = null;
  lastProbeAt: number | null = null;
  lastError: string | null = null;
  private inFlight: Promise<Inventory | null> | null = null;
  private queued: Promise<Inventory | null> | null = null;
  private listeners = new Set<() => void>();

  private readonly nvidiaSmi: string;
  private readonly unmanaged: UnmanagedWatch;
  private readonly health: GpuHealthWatch;
  private readonly conditions: GpuConditionWatch;

  constructor(
    settings: Pick<Settings, 'nvidiaSmi' | 'procRoot' | 'kernelLog'>,
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
    policy: Pick<PolicyService, 'current'>,
    accounts: Pick<AccountLookup, 'byUid'>,
    private readonly exec: Exec = execProgram,
  ) {
    this.nvidiaSmi = settings.nvidiaSmi;
    this.audit = auditLog(store.events, () => clock.now());
    this.unmanaged = new UnmanagedWatch(store, settings.procRoot, policy, accounts);
    this.health = new GpuHealthWatch(store, settings.kernelLog);
    this.conditions = new GpuConditionWatch(store, this.audit);
  }

  private readonly audit: Audit;

  onCapacityChange(fn: () => void): void {
    this.listeners.add(fn);
  }

  /**
   * Probe and apply, with a probe that starts after this call: one already in flight may have read the
   * GPUs before the change the caller is asking about (an admin's `gpu refresh` after reseating a card
   * got the old answer), so callers arriving meanwhile share one more probe queued behind it.
   */
  refresh(actor = 'ds01d'): Promise<Inventory | null> {
    if (!this.inFlight) return this.probeShared(actor);
    this.queued ??= this.inFlight
      .catch(() => null)
      .then(() => {
        this.queued = null;
        return this.probeShared(actor);
      });
    return this.queued;
  }

  /** The periodic tick: joins a probe in flight rather than queueing another. */
  probeShared(actor = 'ds01d'): Promise<Inventory | null> {
    if (!this.inFlight) {
      this.inFlight = this.doRefresh(actor).finally(() => {
        this.inFlight = null;
      });
    }
    return this.inFlight;
  }

  /**
   * The start-up probe, waited for at most `maxWaitMs`: a slow or hung nvidia-smi must not keep a restarted
   * ds01d off its socket for the probe's 30 s timeout (chaos suite). The stored inventory serves meanwhile,
   * and the probe finishes in the background.
   */
  async refreshForStart(maxWaitMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.refresh(),
      new Promise<void>((r) => {
        timer = setTimeout(r, maxWaitMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private async doRefresh(actor: string): Promise<Inventory | null> {
    let inv: Inventory;
    try {
      inv = await probeGpus(this.nvidiaSmi, this.exec);
    } catch (err) {
      const msg =
        err instanceof GpuProbeError && !err.message.includes(err.command)
          ? `${err.command}: ${err.message}`
          : (err as Error).message;
      if (msg !== this.lastError)
        this.log.error('GPU probe failed; keeping the last inventory', { err: msg });
      this.lastError = msg;
      return null;
    }
    this.lastError = null;
    const before = this.last;
    this.last = inv;
    const now = this.clock.now();
    this.lastProbeAt = now;
    const names = new Map(inv.gpus.map((g) => [g.uuid, g.name]));
    const found = await this.unmanaged.find(inv);
    const xids = await this.health.read();
    const result = this.store.tx(() => {
      // A GPU under MIG reconfiguration: its new slots wait, drained, until the change has verified them.
      const fenced = new Map(
        this.store.migChanges.open().map((c) => [c.gpu_uuid, migDrainReason(c.id)] as const),
      );
      const r = this.store.slots.sync(inv.slots, names, now, fenced);
      const holders = new Map(this.store.allocations.live().map((a) => [a.slot_uuid, a]));
      for (const uuid of r.missing) {
        const a = holders.get(uuid);
        this.audit.by(
          { uid: null, name: actor },
          'gpu.slot_missing',
          { subjectUid: a?.owner_uid ?? null, containerId: a?.container_id ?? null },
          `slot ${uuid} is no longer reported by nvidia-smi${a ? '; the container holding it may have lost its GPU' : ''}`,
          { slot: uuid },
          now,
        );
      }
      for (const uuid of r.returned) {
        const a = holders.get(uuid);
        this.audit.by(
          { uid: null, name: actor },
          'gpu.slot_returned',
          { subjectUid: a?.owner_uid ?? null },
          `slot ${uuid} is reported by nvidia-smi again`,
          { slot: uuid },
          now,
        );
      }
      if (r.added.length) {
        this.audit.by(
          { uid: null, name: actor },
          'gpu.slots_added',
          { subjectUid: null },
          `${r.added.length} new slot(s) found`,
          { slots: r.added },
          now,
        );
      }
      // A GPU that fell off the bus (Xid 79) is gone from this probe: name it from the one before.
      this.health.record(xids, inv, now, before?.gpus ?? []);
      const health = this.conditions.record(inv, r.missing, now);
      return { ...r, unblocked: this.unmanaged.record(found, now) || health.unblocked };
    });
    if (result.returned.length || result.added.length || result.unblocked)
      for (const l of this.listeners) l();
    return inv;
  }
}

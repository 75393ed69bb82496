// GPU health from the kernel log (issue 18): every probe reads the NVRM Xid lines logged since the last
// one. Each is a gpu.health event (admins' `health` channels); a fatal one (fell off the bus, uncontained
// ECC, …) drains every slot of that GPU with the reason, so nothing new is placed there until an admin
// undrains it, and tells the holders (their `gpu.problem` topic).

import { KernelLog } from '../gpu/kernel-log.js';
import type { Gpu, Inventory } from '../gpu/types.js';
import { busKey, parseXidLines, type XidEvent, xidMeaning } from '../gpu/xid.js';
import { type Audit, auditLog } from '../store/audit.js';
import type { Store } from '../store/index.js';
import { drainForHealth } from './gpu-health-drain.js';

export class GpuHealthWatch {
  private readonly audit: Audit;
  private readonly log: KernelLog;

  constructor(
    private readonly store: Store,
    kernelLog: string,
  ) {
    this.audit = auditLog(store.events, () => Date.now());
    this.log = new KernelLog(kernelLog);
  }

  async read(): Promise<XidEvent[]> {
    return parseXidLines(await this.log.readNew().catch(() => ''));
  }

  /** Inside the probe's transaction. True when it drained something. */
  record(xids: readonly XidEvent[], inv: Inventory, now: number, earlier: readonly Gpu[] = []): boolean {
    let drainedAny = false;
    for (const x of xids) {
      const gpu = [...inv.gpus, ...earlier].find((g) => busKey(g.busId) === x.bus);
      const { meaning, fatal } = xidMeaning(x.xid);
      const what = `Xid ${x.xid}: ${meaning}`;
      const where = gpu ? `GPU ${gpu.index} (${gpu.uuid})` : `the GPU at PCI ${x.bus}`;
      this.audit.byDaemon(
        'gpu.health',
        { subjectUid: null },
        `${what} on ${where}${fatal ? '; ds01 drains it until an admin undrains it' : ''}`,
        {
          xid: x.xid,
          meaning,
          fatal,
          bus: x.bus,
          gpuIndex: gpu?.index ?? null,
          gpu: gpu?.uuid ?? null,
          text: x.text,
        },
        now,
      );
      if (!fatal || !gpu) continue;
      const drained = drainForHealth(
        this.store,
        this.audit,
        {
          gpuUuid: gpu.uuid,
          reason: `${what} (kernel log); drained by ds01d`,
          told: `reported ${what}`,
          data: { xid: x.xid },
        },
        now,
      );
      if (!drained) continue;
      drainedAny = true;
    }
    return drainedAny;
  }
}

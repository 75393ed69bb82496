// GPU health from each probe (issue 18): the -q -x readings (ECC, retired pages, remapped rows,
// temperature against the GPU's own thresholds) and presence (a GPU that vanished since the last probe, or
// that the driver cannot reach / reads with errors). The rules are gpu/health.ts; this applies them in the
// probe's transaction: gpu_health rows, health_blocks on the slots, gpu.health events for each condition
// that appears or clears, and drains (services/gpu-health-drain.ts).
//
// Only a GPU that WAS there counts as vanished: one whose slots went missing in this probe, or one already
// counting bad probes. A probe that fails as a whole never gets here (GpuInventoryService keeps the last
// inventory), so a hung or broken nvidia-smi marks no GPU unhealthy.
import {
  assessReadings,
  decideGpuHealth,
  finding,
  HEALTH_CONDITIONS,
  type HealthCondition,
  type HealthFinding,
  UNHEALTHY_PROBES,
} from '../gpu/health.js';
import type { Inventory } from '../gpu/types.js';
import { busKey } from '../gpu/xid.js';
import type { Audit } from '../store/audit.js';
import type { Store } from '../store/index.js';
import { drainForHealth } from './gpu-health-drain.js';

export interface ProbeHealthResult {
  /** A GPU stopped being blocked: capacity may be usable again. */
  unblocked: boolean;
  drained: boolean;
}

export class GpuConditionWatch {
  /** GPU UUID → PCI bus (`bb:dd`) as last seen, to name a GPU that now only appears in an error line. */
  private readonly busOf = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly audit: Audit,
  ) {}

  /** Inside the probe's transaction, after the slots were synced; `missingNow`: slots that just went missing. */
  record(inv: Inventory, missingNow: readonly string[], now: number): ProbeHealthResult {
    const known = new Map<string, { index: number; slots: string[] }>();
    for (const s of this.store.slots.all()) {
      const g = known.get(s.parent_uuid) ?? { index: s.gpu_index, slots: [] };
      g.slots.push(s.uuid);
      known.set(s.parent_uuid, g);
    }
    const remembered = new Map(this.store.gpuHealth.all().map((r) => [r.gpuUuid, r]));
    const present = new Map(inv.gpus.map((g) => [g.uuid, g]));
    const justMissing = new Set(missingNow);
    const errors = new Map((inv.gpuErrors ?? []).map((e) => [busKey(e.busId), e.error]));

    const assessed = new Map<string, { index: number; findings: HealthFinding[] }>();
    for (const g of inv.gpus) {
      const b = busKey(g.busId);
      if (b) this.busOf.set(g.uuid, b);
      const held = new Set(remembered.get(g.uuid)?.findings.map((f) => f.condition));
      assessed.set(g.uuid, { index: g.index, findings: g.health ? assessReadings(g.health, held) : [] });
    }
    for (const [uuid, g] of known) {
      if (present.has(uuid)) continue;
      const counting = remembered.get(uuid)?.findings.some((f) => f.severity === 'failing');
      if (!counting && !g.slots.some((s) => justMissing.has(s))) continue;
      const bus = this.busOf.get(uuid);
      const error = bus ? errors.get(bus) : undefined;
      const f =
        error !== undefined
          ? finding('device-error', `${error} (PCI ${bus})`)
          : finding('vanished', 'not in nvidia-smi -L');
      assessed.set(uuid, { index: g.index, findings: [f] });
    }
    // GPUs with a row that are fine now (or gone long ago and no longer counted): their conditions clear.
    for (const [uuid, row] of remembered)
      if (!assessed.has(uuid)) assessed.set(uuid, { index: row.gpuIndex, findings: [] });

    let unblocked = false;
    let drained = false;
    for (const [uuid, { index, findings }] of assessed) {
      const prev = remembered.get(uuid);
      const d = decideGpuHealth(
        prev && { badProbes: prev.badProbes, conditions: prev.findings.map((f) => f.condition) },
        findings,
      );
      for (const f of d.appeared) this.appeared(uuid, index, f, now);
      for (const c of d.cleared) this.cleared(uuid, index, c, now);
      if (findings.length === 0) this.store.gpuHealth.remove(uuid);
      else
        this.store.gpuHealth.put(
          { gpuUuid: uuid, gpuIndex: index, findings, badProbes: d.badProbes, updatedAt: now },
          now,
        );
      if (this.store.slots.setHealthBlocks(uuid, d.blocks) && !d.blocks) unblocked = true;
      if (d.drain) {
        const worst = findings.find((f) => f.severity === 'fatal') ?? findings[0];
        drained =
          drainForHealth(
            this.store,
            this.audit,
            {
              gpuUuid: uuid,
              reason: d.drain,
              told: worst ? `is unhealthy: ${worst.meaning}` : 'is unhealthy',
              data: { conditions: findings.map((f) => f.condition) },
            },
            now,
          ) || drained;
      }
    }
    return { unblocked, drained };
  }

  private appeared(uuid: string, index: number, f: HealthFinding, now: number): void {
    const then =
      f.severity === 'fatal'
        ? '; ds01 drains it until an admin undrains it'
        : f.severity === 'failing'
          ? `; not handed out, drained if it lasts ${UNHEALTHY_PROBES} probes`
          : '';
    this.audit.byDaemon(
      'gpu.health',
      { subjectUid: null },
      `GPU ${index}: ${f.meaning} (${f.detail})${then}`,
      {
        condition: f.condition,
        severity: f.severity,
        fatal: f.severity === 'fatal',
        meaning: f.meaning,
        detail: f.detail,
        todo: HEALTH_CONDITIONS[f.condition].todo,
        gpuIndex: index,
        gpu: uuid,
      },
      now,
    );
  }

  private cleared(uuid: string, index: number, c: HealthCondition, now: number): void {
    const rule = HEALTH_CONDITIONS[c];
    const drainedStays = rule.severity !== 'warning' ? ' (a drain stays until an admin undrains it)' : '';
    this.audit.byDaemon(
      'gpu.health',
      { subjectUid: null },
      `GPU ${index}: cleared (was: ${rule.meaning})${drainedStays}`,
      { condition: c, severity: rule.severity, cleared: true, fatal: false, gpuIndex: index, gpu: uuid },
      now,
    );
  }
}

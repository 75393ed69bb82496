// `ds01 admin mig plan|apply|status|cancel`: the desired MIG layout (policy gpu_allocation.layout) against
// the GPUs as they are, and the changes that move them there (runner.ts does the steps).
import type {
  MigApplyRequest,
  MigApplyResult,
  MigCancelRequest,
  MigChangeView,
  MigPlanView,
  MigStatusView,
} from '../../api/types/mig.js';
import type { Clock } from '../../clock.js';
import { localWhen } from '../../common/when.js';
import { Ds01Error } from '../../errors.js';
import {
  type BookingInTheWay,
  bookingHorizonMs,
  bookingsInTheWay,
  bookingsText,
} from '../../gpu/mig/bookings.js';
import { migDrainReason } from '../../gpu/mig/drain.js';
import { desiredFor, type GpuPlan, planGpu } from '../../gpu/mig/plan.js';
import type { StoredPlan } from '../../gpu/mig/steps.js';
import type { Inventory } from '../../gpu/types.js';
import type { Caller } from '../../identity/caller.js';
import type { Policy } from '../../policy/types.js';
import { type Audit, auditLog } from '../../store/audit.js';
import { toWindow } from '../../store/bookings.js';
import type { Store } from '../../store/index.js';
import type { MigChangeRow } from '../../store/mig-changes.js';
import { gatherFacts, holdersBySlot } from './facts.js';
import type { MigRunner } from './runner.js';
import type { MigSmi } from './smi.js';

/** Holders get this long by default to finish before their containers are stopped. */
export const DEFAULT_DRAIN_DEADLINE_SEC = 3600;

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

type PlanWithBookings = GpuPlan & { bookings: BookingInTheWay[] };

export interface MigServiceDeps {
  store: Store;
  smi: MigSmi;
  inventory: {
    refresh(actor?: string): Promise<Inventory | null>;
    last: Inventory | null;
    lastError: string | null;
  };
  policy: () => Policy;
  runner: MigRunner;
  notifyCapacityFreed(): void;
  clock: Clock;
}

export class MigService {
  private readonly audit: Audit;

  constructor(private readonly d: MigServiceDeps) {
    this.audit = auditLog(d.store.events, () => d.clock.now());
  }

  /** Plans per GPU, each with the bookings it would break if its instances were destroyed at `applyAt`. */
  private async plans(
    actor: string,
    applyAt: number,
  ): Promise<{ plans: PlanWithBookings[]; problem: string | null }> {
    const fresh = await this.d.inventory.refresh(actor);
    const inv = fresh ?? this.d.inventory.last;
    if (!inv) {
      throw new Ds01Error(
        'UNAVAILABLE',
        `nvidia-smi could not be read: ${this.d.inventory.lastError ?? 'no inventory yet'}`,
        'check the driver with `nvidia-smi`; `ds01 doctor` says more',
      );
    }
    const facts = await gatherFacts(inv, this.d.store, this.d.smi, fresh ? null : this.d.inventory.lastError);
    const policy = this.d.policy();
    const now = this.d.clock.now();
    const booked = this.d.store.bookings.live(now).map((b) => ({ ...toWindow(b), ownerName: b.owner_name }));
    const window = { now, applyAt, horizonMs: bookingHorizonMs(policy) };
    const bookedSlots = booked
      .filter((b) => b.from < Math.max(now, applyAt) + window.horizonMs)
      .flatMap((b) => b.slots);
    const plans = facts.gpus.map((g) => {
      const p = planGpu(
        { ...g, bookedSlots },
        desiredFor(policy.gpuAllocation.layout, g.index, g.model?.id ?? null),
      );
      return { ...p, bookings: bookingsInTheWay(p.affectedSlots, booked, window) };
    });
    return { plans, problem: facts.problem };
  }

  async plan(caller: Caller): Promise<MigPlanView> {
    const now = this.d.clock.now();
    const { plans, problem } = await this.plans(caller.name, now + DEFAULT_DRAIN_DEADLINE_SEC * 1000);
    return {
      gpus: plans.map((p) => ({
        ...p,
        bookings: p.bookings.map(bookingView),
        openChange: this.d.store.migChanges.openForGpu(p.gpuUuid)?.id ?? null,
      })),
      probeError: problem,
    };
  }

  async apply(caller: Caller, req: MigApplyRequest): Promise<MigApplyResult> {
    const now = this.d.clock.now();
    const deadline =
      req.at !== undefined
        ? Date.parse(req.at)
        : now + (req.drainDeadlineSec ?? DEFAULT_DRAIN_DEADLINE_SEC) * 1000;
    if (req.at !== undefined && deadline < now - 60_000) {
      throw new Ds01Error(
        'BAD_REQUEST',
        `--at ${req.at} is in the past`,
        'give a time ahead, or --drain-deadline 0 to stop holders at once',
      );
    }
    const { plans, problem } = await this.plans(caller.name, deadline);
    if (problem && plans.some((p) => p.gpuUuid && p.action === 'reconfigure')) {
      throw new Ds01Error(
        'UNAVAILABLE',
        `the GPUs could not be read completely: ${problem}`,
        'nothing was changed; fix nvidia-smi (see `ds01 doctor`) and try again',
      );
    }
    const byIndex = new Map(plans.map((p) => [p.gpuIndex, p]));
    const unknown = (req.gpus ?? []).filter((i) => !byIndex.has(i));
    if (unknown.length) {
      throw new Ds01Error(
        'NOT_FOUND',
        `no GPU ${unknown.join(', ')} on this host`,
        'see `ds01 admin mig plan` (or `ds01 gpu list`) for the GPU indices',
      );
    }
    const chosen = req.gpus ? plans.filter((p) => req.gpus?.includes(p.gpuIndex)) : plans;
    // A change that would start now and destroy a booked slot is refused as a whole (nothing started), with
    // the bookings named; --force goes ahead and cancels them, telling their owners.
    const starting = chosen.filter(
      (p) => p.action === 'reconfigure' && !this.d.store.migChanges.openForGpu(p.gpuUuid),
    );
    const inTheWay = starting.filter((p) => p.bookings.length > 0);
    if (inTheWay.length && !req.force) {
      throw new Ds01Error(
        'CONFLICT',
        inTheWay
          .map(
            (p) =>
              `GPU ${p.gpuIndex}: the new layout destroys booked slots: ${bookingsText(p.bookings, localWhen)}`,
          )
          .join('; '),
        'nothing was changed; cancel or move those bookings (`ds01 book list --all`, `ds01 book cancel ID`), change gpu_allocation.layout to keep those slices, or pass --force to cancel the bookings (their owners are told)',
      );
    }
    const changes: MigChangeView[] = [];
    const skipped: MigApplyResult['skipped'] = [];
    for (const p of chosen) {
      const open = this.d.store.migChanges.openForGpu(p.gpuUuid);
      if (open?.state === 'failed') {
        changes.push(this.view(this.resume(caller, open, deadline)));
        continue;
      }
      const newDeadline = req.at !== undefined || req.drainDeadlineSec !== undefined;
      if (open && newDeadline && (open.state === 'draining' || open.state === 'waiting')) {
        changes.push(this.view(this.moveDeadline(caller, open, deadline)));
        continue;
      }
      if (open) {
        skipped.push({
          gpuIndex: p.gpuIndex,
          action: p.action,
          reason: `change #${open.id} is already ${open.state}`,
        });
        continue;
      }
      if (p.action !== 'reconfigure') {
        skipped.push({ gpuIndex: p.gpuIndex, action: p.action, reason: p.reason });
        continue;
      }
      changes.push(this.view(this.start(caller, p, deadline)));
    }
    if (req.gpus && changes.length === 0) {
      const first = skipped[0];
      throw new Ds01Error(
        first?.action === 'invalid' ? 'BAD_REQUEST' : 'CONFLICT',
        skipped.map((s) => `GPU ${s.gpuIndex}: ${s.reason}`).join('; '),
        first?.action === 'invalid'
          ? 'fix gpu_allocation.layout in the policy (`ds01 admin mig plan` shows the rules), reload it, and apply again'
          : 'see `ds01 admin mig plan` and `ds01 admin mig status`',
      );
    }
    this.d.runner.kick();
    // Cancelled bookings (--force) may free calendar time others wait for.
    if (inTheWay.length) this.d.notifyCapacityFreed();
    return { changes, skipped };
  }

  private start(caller: Caller, p: PlanWithBookings, deadline: number): MigChangeRow {
    const now = this.d.clock.now();
    const plan: StoredPlan = {
      desired: p.desiredProfiles,
      keep: p.keep,
      destroy: p.destroy,
      affectedSlots: p.affectedSlots,
    };
    return this.d.store.tx(() => {
      const id = this.d.store.migChanges.add(
        {
          gpu_uuid: p.gpuUuid,
          gpu_index: p.gpuIndex,
          model: p.model ?? p.gpuName,
          plan_json: JSON.stringify(plan),
          deadline,
          requested_by: caller.name,
          requested_uid: caller.uid,
        },
        now,
      );
      this.d.store.migChanges.log(
        id,
        'draining',
        'started',
        `planned ${p.current.join(' + ') || 'nothing'} → ${p.desiredProfiles.join(' + ')}`,
        now,
      );
      this.audit.byUser(
        caller,
        'mig.requested',
        { subjectUid: null },
        `MIG change #${id}: GPU ${p.gpuIndex} (${p.model}) from ${p.current.join(' + ') || 'no instances'} to ${p.desiredProfiles.join(' + ')}; holders stopped at ${localWhen(deadline)}${p.bookings.length ? `; forced over ${p.bookings.length} booking(s)` : ''}`,
        {
          change: id,
          gpu: p.gpuUuid,
          ...plan,
          ...(p.bookings.length ? { forcedBookings: p.bookings.map((b) => b.id) } : {}),
        },
        now,
      );
      for (const b of p.bookings) this.cancelBooking(caller, id, p.gpuIndex, b, now);
      return this.d.store.migChanges.get(id) as MigChangeRow;
    });
  }

  /** Inside start()'s transaction: a forced change cancels a booking on a slot it destroys; the owner is told. */
  private cancelBooking(caller: Caller, change: number, gpu: number, b: BookingInTheWay, now: number): void {
    const why = `cancelled by admin ${caller.name}: MIG change #${change} re-partitions GPU ${gpu}, destroying its slot(s) ${b.slots.join(', ')}`;
    if (!this.d.store.bookings.end(b.id, 'cancelled', now, why)) return;
    this.audit.byUser(
      caller,
      'mig.booking_cancelled',
      { subjectUid: b.ownerUid },
      `your booking ${b.id} (${localWhen(b.from)} to ${localWhen(b.to)}) was ${why}; book again with \`ds01 book\``,
      { booking: b.id, change, gpu, slots: b.slots },
      now,
    );
  }

  private resume(caller: Caller, c: MigChangeRow, deadline: number): MigChangeRow {
    const now = this.d.clock.now();
    const step = c.failed_step ?? 'reconfiguring';
    return this.d.store.tx(() => {
      this.d.store.migChanges.setState(c.id, step, now);
      if (step === 'draining' || step === 'waiting') this.d.store.migChanges.setDeadline(c.id, deadline, now);
      this.d.store.migChanges.log(
        c.id,
        step,
        'started',
        `resumed by ${caller.name} after: ${c.error ?? 'a failure'}`,
        now,
      );
      this.audit.byUser(
        caller,
        'mig.step',
        { subjectUid: null },
        `MIG change #${c.id} on GPU ${c.gpu_index} resumed at ${step}`,
        { change: c.id },
        now,
      );
      return this.d.store.migChanges.get(c.id) as MigChangeRow;
    });
  }

  /** A change still waiting for holders gets the deadline given now (sooner or later); holders are told. */
  private moveDeadline(caller: Caller, c: MigChangeRow, deadline: number): MigChangeRow {
    const now = this.d.clock.now();
    return this.d.store.tx(() => {
      this.d.store.migChanges.setDeadline(c.id, deadline, now);
      const text = `deadline moved to ${localWhen(deadline)} by ${caller.name}`;
      this.d.store.migChanges.log(c.id, c.state, 'note', text, now);
      const affected = new Set((JSON.parse(c.plan_json) as StoredPlan).affectedSlots);
      const holders = this.d.store.allocations.live().filter((a) => affected.has(a.slot_uuid));
      for (const a of holders) {
        this.audit.byUser(
          caller,
          'mig.holder_warned',
          { subjectUid: a.owner_uid, containerId: a.container_id },
          `GPU ${c.gpu_index} is being re-partitioned (MIG change #${c.id}): your container is now stopped at ${localWhen(deadline)} unless you stop it first. Your workspace is kept.`,
          { change: c.id, slot: a.slot_uuid, deadline: new Date(deadline).toISOString() },
          now,
        );
      }
      this.audit.byUser(
        caller,
        'mig.step',
        { subjectUid: null },
        `MIG change #${c.id}: ${text}`,
        { change: c.id },
        now,
      );
      return this.d.store.migChanges.get(c.id) as MigChangeRow;
    });
  }

  cancel(caller: Caller, req: MigCancelRequest): MigStatusView {
    const open = this.d.store.migChanges.open().filter((c) => req.gpus.includes(c.gpu_index));
    if (open.length === 0) {
      throw new Ds01Error(
        'NOT_FOUND',
        `no unfinished MIG change on GPU ${req.gpus.join(', ')}`,
        'see `ds01 admin mig status`',
      );
    }
    const running = open.filter(
      (c) => this.d.runner.busyWith === c.id || c.state === 'reconfiguring' || c.state === 'verifying',
    );
    if (running.length) {
      throw new Ds01Error(
        'CONFLICT',
        `MIG change #${running.map((c) => c.id).join(', ')} is running nvidia-smi now (${running[0]?.state})`,
        'wait until it is done or has failed (`ds01 admin mig status`), then cancel',
      );
    }
    const now = this.d.clock.now();
    const changes = this.d.store.tx(() =>
      open.map((c) => {
        for (const s of this.d.store.slots.all()) {
          if (s.parent_uuid === c.gpu_uuid && s.drain_reason === migDrainReason(c.id)) {
            this.d.store.slots.setDrained(s.uuid, false, null);
          }
        }
        this.d.store.migChanges.setState(c.id, 'cancelled', now);
        this.d.store.migChanges.log(c.id, c.state, 'note', `cancelled by ${caller.name}`, now);
        this.audit.byUser(
          caller,
          'mig.cancelled',
          { subjectUid: null },
          `MIG change #${c.id} on GPU ${c.gpu_index} cancelled at ${c.state}; the GPU is undrained with the layout it has now`,
          { change: c.id },
          now,
        );
        return this.d.store.migChanges.get(c.id) as MigChangeRow;
      }),
    );
    void this.d.inventory.refresh(caller.name).then(() => this.d.notifyCapacityFreed());
    return { changes: changes.map((c) => this.view(c)) };
  }

  status(): MigStatusView {
    const open = this.d.store.migChanges.open();
    const recent = this.d.store.migChanges.recent(20).filter((c) => !open.some((o) => o.id === c.id));
    return { changes: [...open, ...recent].map((c) => this.view(c)) };
  }

  private view(c: MigChangeRow): MigChangeView {
    const plan = JSON.parse(c.plan_json) as StoredPlan;
    const affected = new Set(plan.affectedSlots);
    const done = c.state === 'done' || c.state === 'cancelled';
    const holders = done
      ? []
      : [...holdersBySlot(this.d.store).entries()]
          .filter(([slot]) => affected.has(slot))
          .flatMap(([, h]) => h);
    return {
      id: c.id,
      gpuIndex: c.gpu_index,
      gpuUuid: c.gpu_uuid,
      model: c.model,
      state: c.state,
      failedStep: c.failed_step,
      error: c.error,
      hint:
        c.state === 'failed'
          ? `the GPU stays drained: fix the cause, then \`ds01 admin mig apply --gpu ${c.gpu_index}\` resumes at ${c.failed_step}, or \`ds01 admin mig cancel --gpu ${c.gpu_index}\` undrains it as it is`
          : null,
      deadline: new Date(c.deadline).toISOString(),
      desired: plan.desired,
      keep: plan.keep,
      destroy: plan.destroy,
      holders,
      requestedBy: c.requested_by,
      createdAt: new Date(c.created_at).toISOString(),
      updatedAt: new Date(c.updated_at).toISOString(),
      finishedAt: iso(c.finished_at),
      steps: this.d.store.migChanges.steps(c.id).map((s) => ({
        step: s.step,
        outcome: s.outcome,
        detail: s.detail,
        at: new Date(s.at).toISOString(),
      })),
    };
  }
}

function bookingView(b: BookingInTheWay) {
  return {
    id: b.id,
    owner: b.ownerName,
    maintenance: b.maintenance,
    from: new Date(b.from).toISOString(),
    to: new Date(b.to).toISOString(),
    slots: b.slots,
  };
}

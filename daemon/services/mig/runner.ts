// Moves MIG changes through their steps: drain → wait for holders (or the deadline, then stop them) →
// destroy/create instances → re-probe and verify → undrain and serve the queue. The state row says the step
// to run next and is written (with a step-log line and an audit event) before that step's work begins, so
// after a restart or kill -9 the same step runs again; every step looks at the GPU as it is and is safe to
// repeat. A failing step leaves the change `failed` with the driver's words and the GPU drained; `ds01 admin
// mig apply` resumes it, `ds01 admin mig cancel` gives the GPU back as it is.

import type { Clock } from '../../clock.js';
import { localWhen } from '../../common/when.js';
import { isRunningLike } from '../../docker/reconcile.js';
import { migDrainReason } from '../../gpu/mig/drain.js';
import { modelFromDriver } from '../../gpu/mig/from-driver.js';
import { modelById, modelOf } from '../../gpu/mig/models.js';
import { instancesOf } from '../../gpu/mig/plan.js';
import { reconcile, type StoredPlan, verifyLayout, waitDecision } from '../../gpu/mig/steps.js';
import type { Inventory } from '../../gpu/types.js';
import type { Logger } from '../../log.js';
import type { AllocationRow } from '../../store/allocations.js';
import { type Audit, auditLog, DAEMON } from '../../store/audit.js';
import type { Store } from '../../store/index.js';
import type { MigChangeRow, MigStep } from '../../store/mig-changes.js';
import type { MigSmi } from './smi.js';
import { remindHolder, type Told, warnHolder } from './tell.js';

export interface MigRunnerDeps {
  store: Store;
  smi: MigSmi;
  inventory: { refresh(actor?: string): Promise<Inventory | null>; lastError: string | null };
  leases: {
    releaseAllocation(
      a: AllocationRow,
      kind: 'allocation.released',
      reason: string,
      actor: typeof DAEMON,
    ): boolean;
    notifyCapacityFreed(): void;
  };
  /** ds01d's stop with a reason (the owner's shell is told `told`); the workspace is never touched. */
  stopContainer(id: string, reason: string, graceSec: number, told: string): Promise<void>;
  graceSec(): number;
  notifyTerminals(user: { uid: number; name: string }, text: string): unknown;
  clock: Clock;
  log: Logger;
  /** How often open changes are looked at (waiting for holders, deadlines). */
  pollMs?: number;
  /** False until the daemon is up and again once it stops: no step runs meanwhile. */
  ready(): boolean;
  /** Before the deadline, holders are reminded at these points (policy warning_points, ms before it). */
  warningPointsMs(): readonly number[];
}

const NEXT: Record<MigStep, MigChangeRow['state']> = {
  draining: 'waiting',
  waiting: 'reconfiguring',
  reconfiguring: 'verifying',
  verifying: 'undraining',
  undraining: 'done',
};

/** A step that cannot go on now (not an error): wait for the next tick. */
const BLOCKED = Symbol('blocked');

export class MigRunner {
  private readonly audit: Audit;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly d: MigRunnerDeps) {
    this.audit = auditLog(d.store.events, () => d.clock.now());
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.d.pollMs ?? 1000);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Runs every open change as far as it can go; one pass at a time. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((err) => {
        // A step cut short by shutdown (the store closed under it) simply runs again at the next start.
        if (this.d.store.isOpen) this.d.log.error('MIG runner pass failed', { err: String(err) });
      })
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Whether a change's step is being executed right now (cancel must not race it). */
  busyWith: number | null = null;

  private async pass(): Promise<void> {
    if (!this.d.ready() || !this.d.store.isOpen) return;
    for (const c of this.d.store.migChanges.open()) {
      if (this.stopped || !this.d.ready() || !this.d.store.isOpen) return;
      if (c.state === 'failed') continue;
      await this.advance(c.id);
    }
  }

  private async advance(id: number): Promise<void> {
    for (;;) {
      const c = this.d.store.migChanges.get(id);
      if (!c || c.state === 'done' || c.state === 'cancelled' || c.state === 'failed') return;
      const step = c.state as MigStep;
      this.busyWith = id;
      try {
        const outcome = await this.run(step, c);
        if (outcome === BLOCKED) return;
        this.finish(c, step, outcome);
      } catch (err) {
        if (!this.d.store.isOpen || !this.d.ready()) return; // shutting down: the step runs again next start
        this.fail(c, step, (err as Error).message);
        return;
      } finally {
        this.busyWith = null;
      }
    }
  }

  private run(step: MigStep, c: MigChangeRow): Promise<string | typeof BLOCKED> {
    const plan = JSON.parse(c.plan_json) as StoredPlan;
    switch (step) {
      case 'draining':
        return Promise.resolve(this.drain(c, plan));
      case 'waiting':
        return this.wait(c, plan);
      case 'reconfiguring':
        return this.reconfigure(c, plan);
      case 'verifying':
        return this.verify(c, plan);
      case 'undraining':
        return Promise.resolve(this.undrain(c));
    }
  }

  private finish(c: MigChangeRow, step: MigStep, detail: string): void {
    const next = NEXT[step];
    const now = this.d.clock.now();
    const moved = this.d.store.tx(() => {
      // Compare and set: a change cancelled meanwhile is not moved on.
      if (this.d.store.migChanges.get(c.id)?.state !== step) return false;
      this.d.store.migChanges.log(c.id, step, 'done', detail, now);
      this.d.store.migChanges.setState(c.id, next, now);
      if (next !== 'done')
        this.d.store.migChanges.log(c.id, next, 'started', `${next} GPU ${c.gpu_index}`, now);
      this.audit.byDaemon(
        next === 'done' ? 'mig.done' : 'mig.step',
        { subjectUid: null },
        next === 'done'
          ? `GPU ${c.gpu_index} has its new MIG layout; its slots are allocated again (change #${c.id})`
          : `MIG change #${c.id} on GPU ${c.gpu_index}: ${step} done (${detail}); next: ${next}`,
        { change: c.id, gpu: c.gpu_uuid, step, next },
        now,
      );
      return true;
    });
    if (moved && next === 'done') this.d.leases.notifyCapacityFreed();
  }

  private fail(c: MigChangeRow, step: MigStep, error: string): void {
    const now = this.d.clock.now();
    this.d.log.error('MIG change failed; the GPU stays drained', {
      change: c.id,
      gpu: c.gpu_index,
      step,
      error,
    });
    this.d.store.tx(() => {
      if (this.d.store.migChanges.get(c.id)?.state !== step) return;
      this.d.store.migChanges.fail(c.id, step, error, now);
      this.d.store.migChanges.log(c.id, step, 'failed', error, now);
      this.audit.byDaemon(
        'mig.failed',
        { subjectUid: null },
        `MIG change #${c.id} on GPU ${c.gpu_index} failed at ${step}: ${error}. The GPU stays drained; \`ds01 admin mig apply --gpu ${c.gpu_index}\` resumes it, \`ds01 admin mig cancel --gpu ${c.gpu_index}\` gives it back as it is`,
        { change: c.id, gpu: c.gpu_uuid, step },
        now,
      );
    });
  }

  private note(c: MigChangeRow, detail: string): void {
    const now = this.d.clock.now();
    this.d.store.tx(() => this.d.store.migChanges.log(c.id, c.state, 'note', detail, now));
  }

  /** Slots of this GPU as the store knows them (every state). */
  private gpuSlots(c: MigChangeRow) {
    return this.d.store.slots.all().filter((s) => s.parent_uuid === c.gpu_uuid);
  }

  // ---- steps ------------------------------------------------------------------------------------

  /** No new allocation on any slot of the GPU; holders of slots that go away are told the deadline. */
  private drain(c: MigChangeRow, plan: StoredPlan): string {
    const now = this.d.clock.now();
    const reason = migDrainReason(c.id);
    const affected = new Set(plan.affectedSlots);
    const told: Told[] = [];
    const drained = this.d.store.tx(() => {
      let n = 0;
      for (const s of this.gpuSlots(c)) {
        if (s.drained) continue; // an admin's own drain stays theirs
        this.d.store.slots.setDrained(s.uuid, true, reason);
        n++;
      }
      for (const a of this.d.store.allocations.live()) {
        if (!affected.has(a.slot_uuid)) continue;
        const t = warnHolder(this.d.store, this.audit, c, a, now);
        if (t) told.push(t);
      }
      return n;
    });
    this.toTerminals(told);
    return `${drained} slot(s) drained; ${told.length} holder(s) told the deadline ${localWhen(c.deadline)}`;
  }

  /** Wait until nothing runs on an affected slot; at the deadline stop what still does. */
  private async wait(c: MigChangeRow, plan: StoredPlan): Promise<string | typeof BLOCKED> {
    const affected = new Set(plan.affectedSlots);
    const live = () => this.d.store.allocations.live().filter((a) => affected.has(a.slot_uuid));
    const active = live().filter((a) => a.state === 'active');
    const decision = waitDecision(this.d.clock.now(), c.deadline, active.length);
    if (decision.kind === 'wait') {
      this.remind(c, active);
      return BLOCKED;
    }
    if (decision.kind === 'stop-holders') {
      const reason = `GPU ${c.gpu_index} is being re-partitioned (MIG change #${c.id}) and the deadline ${localWhen(c.deadline)} has passed`;
      if (!c.holders_stopped) {
        this.d.store.tx(() => {
          this.d.store.migChanges.markHoldersStopped(c.id, this.d.clock.now());
          this.d.store.migChanges.log(
            c.id,
            'waiting',
            'note',
            `deadline passed: stopping ${active.length} container(s)`,
            this.d.clock.now(),
          );
        });
      }
      for (const a of active) {
        if (!a.container_id) continue; // a deploy in flight: its reservation resolves either way
        const row = this.d.store.containers.get(a.container_id);
        // Stopped already (its Docker event not in yet): no second stop, no second event.
        if (!row || row.removed_at !== null || !isRunningLike(row.state)) continue;
        this.audit.byDaemon(
          'mig.holder_stopped',
          { subjectUid: a.owner_uid, containerId: a.container_id, containerName: row?.name ?? null },
          `${reason}; the container was stopped, its workspace is kept`,
          { change: c.id, slot: a.slot_uuid },
        );
        await this.d.stopContainer(
          a.container_id,
          reason,
          this.d.graceSec(),
          `ds01: ${row?.project ?? 'your container'} was stopped: ${reason}. Your workspace is kept; deploy again for a slice of the new layout.`,
        );
      }
      return BLOCKED; // the stops arrive as Docker events; the next tick sees the slots held, not active
    }
    // Nothing runs on them: held slots (stopped containers) are released now, they are about to vanish.
    const released = this.d.store.tx(() => {
      let n = 0;
      for (const a of live()) {
        if (a.state !== 'held') return -1; // became active again meanwhile: look again next tick
        if (
          this.d.leases.releaseAllocation(
            a,
            'allocation.released',
            `GPU ${c.gpu_index} is being re-partitioned (MIG change #${c.id}): this slice is removed`,
            DAEMON,
          )
        )
          n++;
      }
      return n;
    });
    if (released < 0) return BLOCKED;
    return `affected slots free (${released} held slot(s) released)`;
  }

  /** The most urgent warning point that has come (each sent once per holder: the notice's unique key). */
  private remind(c: MigChangeRow, active: AllocationRow[]): void {
    const now = this.d.clock.now();
    const due = this.d
      .warningPointsMs()
      .filter((p) => now >= c.deadline - p && c.deadline - p > c.created_at);
    if (due.length === 0) return;
    const point = Math.min(...due);
    const told = this.d.store.tx(() =>
      active.flatMap((a) => remindHolder(this.d.store, this.audit, c, a, point, now) ?? []),
    );
    this.toTerminals(told);
  }

  /** Terminal writes happen after the transaction; one that fails is not a failed step (notice and event stay). */
  private toTerminals(told: Told[]): void {
    for (const t of told) {
      try {
        this.d.notifyTerminals({ uid: t.uid, name: t.name }, t.text);
      } catch {
        // unwritable terminal
      }
    }
  }

  private async currentInstances(c: MigChangeRow) {
    const lgi = await this.d.smi.listInstances();
    const slots = this.gpuSlots(c)
      .filter((s) => s.state !== 'missing' && s.kind === 'mig')
      .map((s) => ({ uuid: s.uuid, gi: s.gi, profile: s.profile }));
    return instancesOf(c.gpu_index, lgi, slots);
  }

  private async modelOf(c: MigChangeRow) {
    const driver = await this.d.smi.profiles();
    const fromDriver = driver ? modelFromDriver(c.gpu_index, c.model, driver.lgip, driver.lgipp) : null;
    const builtin = modelById(c.model) ?? modelOf(c.model);
    const model = fromDriver ?? builtin;
    if (!model) throw new Error(`no MIG placement rules for the ${c.model}`);
    return model;
  }

  private async reconfigure(c: MigChangeRow, plan: StoredPlan): Promise<string> {
    const model = await this.modelOf(c);
    const now = await this.currentInstances(c);
    const r = reconcile(model, plan, now);
    if (!r)
      throw new Error(
        `the planned layout ${plan.desired.join(' + ')} no longer fits next to the kept instances`,
      );
    // Never destroy an instance somebody runs on: drained slots cannot be newly taken, so this is a last guard.
    const doomed = new Set(now.filter((i) => r.destroy.includes(i.gi)).flatMap((i) => i.slots));
    const inUse = this.d.store.allocations
      .live()
      .filter((a) => doomed.has(a.slot_uuid) && a.state === 'active');
    if (inUse.length > 0) {
      throw new Error(
        `slot(s) ${inUse.map((a) => a.slot_uuid).join(', ')} are in use; nothing was destroyed`,
      );
    }
    // Each driver call is written to the step log before it runs (what was in flight at a crash).
    if (r.destroy.length) {
      this.note(c, `destroying GPU instance(s) ${r.destroy.join(', ')} (nvidia-smi mig -dci, -dgi)`);
      await this.d.smi.destroy(c.gpu_index, r.destroy);
    }
    if (r.create.length) {
      const what = r.create.map((p) => `${p.profile} (id ${p.id})`).join(', ');
      this.note(c, `creating ${what} with one compute instance each (nvidia-smi mig -cgi … -C)`);
      await this.d.smi.create(
        c.gpu_index,
        r.create.map((p) => p.id),
      );
    }
    return `destroyed GI ${r.destroy.join(', ') || 'none'}; created ${r.create.map((p) => p.profile).join(', ') || 'none'}`;
  }

  private async verify(c: MigChangeRow, plan: StoredPlan): Promise<string> {
    // refresh() probes afresh: a periodic probe in flight from before the instances were made is not used.
    const inv = await this.d.inventory.refresh('ds01d (MIG change)');
    if (!inv) throw new Error(`re-probe failed: ${this.d.inventory.lastError ?? 'unknown error'}`);
    const now = await this.currentInstances(c);
    const wrong = verifyLayout(plan.desired, now);
    if (wrong) throw new Error(`the layout does not match the plan: ${wrong}`);
    return `nvidia-smi shows ${plan.desired.join(' + ')}`;
  }

  private undrain(c: MigChangeRow): string {
    const reason = migDrainReason(c.id);
    return this.d.store.tx(() => {
      let n = 0;
      for (const s of this.gpuSlots(c)) {
        if (s.drain_reason === reason && this.d.store.slots.setDrained(s.uuid, false, null)) n++;
      }
      return `${n} slot(s) undrained`;
    });
  }
}

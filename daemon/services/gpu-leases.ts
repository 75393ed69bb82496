// GPU leases: the store side of allocation. Every decision runs the pure allocator inside one
// BEGIN IMMEDIATE transaction; the partial unique index on allocations forbids a double allocation even if
// a decision were wrong. Holds after stop have exact deadlines (one timer at the earliest, re-armed on
// every change and restored from the database at start-up, so a restart neither loses nor extends a hold).
// Long on purpose: every transition of an allocation (reserve, attach, start, stop, hold, release) is
// here, beside the hold timer they all re-arm, so the state machine reads in one place.
import type { EventKind } from '../api/types/events.js';
import { slotView } from '../booking/windows.js';
import type { Clock } from '../clock.js';
import { localWhen } from '../common/when.js';
import { Ds01Error } from '../errors.js';
import {
  type AllocatableSlot,
  type AllocationFailure,
  allocate,
  type GroupCaps,
  type LiveAllocation,
} from '../gpu/allocator.js';
import { anyGroupCap, groupCapsFor } from '../gpu/group-caps.js';
import type { AccountLookup } from '../identity/nss.js';
import type { Logger } from '../log.js';
import { resolveLimits } from '../policy/resolve.js';
import type { Limits } from '../policy/types.js';
import type { AllocationRow } from '../store/allocations.js';
import { type Audit, auditLog, DAEMON } from '../store/audit.js';
import type { Store } from '../store/index.js';
import type { SlotRow } from '../store/slots.js';
import type { PolicyService } from './policy.js';

export interface GpuRequest {
  count: number;
  profile?: string | null;
  wholeGpu?: boolean;
  /** `--booking ID`: this booking's slots. */
  bookingId?: number | null;
  /** Take a slot booked from later, with the container stopped when that booking starts. */
  acceptDeadline?: boolean;
}

/** A reservation that never got its container within this long is released by `reconcileReservations`. */
export const RESERVATION_TTL_MS = 5 * 60_000;
/** setTimeout's ceiling (~24.8 days); a later deadline is re-armed when this fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function toAllocatable(s: SlotRow): AllocatableSlot {
  return {
    uuid: s.uuid,
    parentUuid: s.parent_uuid,
    gpuIndex: s.gpu_index,
    kind: s.kind,
    profile: s.profile,
    migDeviceIndex: s.mig_device_index,
    gpuEquivalents: s.gpu_equivalents,
    state: s.state,
  };
}

export function toLive(a: AllocationRow): LiveAllocation {
  return {
    slotUuid: a.slot_uuid,
    ownerUid: a.owner_uid,
    // A reservation has no container yet; it still takes the slot and counts against the quota.
    containerId: a.container_id ?? `reservation:${a.id}`,
    state: a.state === 'held' ? 'held' : 'active',
    heldSince: a.held_since,
  };
}

/** The allocator's refusal as the API error the user sees (limit, current use, max, what to do). */
export function allocationError(f: AllocationFailure): Ds01Error {
  if (f.code === 'QUOTA_EXCEEDED') {
    return new Ds01Error(f.code, f.message, f.hint, {
      limit: f.limit,
      current: f.current,
      requested: f.requested,
      max: f.max,
    });
  }
  return new Ds01Error(f.code, f.message, f.hint);
}

export class GpuLeases {
  private listeners = new Set<() => void>();
  private holdTimer: NodeJS.Timeout | null = null;
  private holdTimerAt: number | null = null;
  private reconcileTimer: NodeJS.Timeout | null = null;
  private started = false;
  /** Between start() and stop(): what waits for the daemon to be up (the MIG runner) asks this. */
  get isStarted(): boolean {
    return this.started;
  }
  /** Linux groups per uid, learnt from NSS, so a hold (inside DockerSync's transaction) resolves synchronously. */
  private groupsByUid = new Map<number, string[]>();
  private namesByUid = new Map<number, string>();

  constructor(
    private readonly store: Store,
    private readonly policy: PolicyService,
    private readonly accounts: AccountLookup,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.audit = auditLog(store.events, () => clock.now());
  }

  private readonly audit: Audit;

  /**
   * Subscribe to "capacity may be usable by the queue now": a release, a cancelled reservation, an expired
   * hold, AND a new hold (with release_held_when_queued a held slot is capacity the queue can take).
   */
  private releaseAtOnce: ((containerId: string) => boolean) | null = null;

  /** Containers whose GPUs are released when they stop, with no hold (batch jobs; wired in main.ts). */
  setReleaseAtOnce(fn: (containerId: string) => boolean): void {
    this.releaseAtOnce = fn;
  }

  onCapacityFreed(fn: () => void): void {
    this.listeners.add(fn);
  }

  /** Tell subscribers once the current (possibly outer) transaction has committed. */
  notifyCapacityFreed(): void {
    queueMicrotask(() => {
      for (const l of this.listeners) {
        try {
          l();
        } catch (err) {
          this.log.error('capacity listener failed', { err: String(err) });
        }
      }
    });
  }

  /** The owner's limits under the live policy (NSS for their Linux groups). */
  async limitsOf(owner: { uid: number; name: string }): Promise<Limits> {
    const acct = await this.accounts.byUid(owner.uid).catch(() => null);
    const groups = acct?.groups ?? this.groupsByUid.get(owner.uid) ?? [];
    if (acct) this.noteAccount(acct);
    await this.warmOwners();
    return resolveLimits(
      this.policy.current(),
      { name: acct?.name ?? owner.name, groups, uid: owner.uid },
      new Date(this.clock.now()),
    ).limits;
  }

  /** Synchronous best effort: the Linux groups last seen for the user (refined asynchronously where it matters). */
  limitsNow(uid: number, name: string): Limits {
    return resolveLimits(
      this.policy.current(),
      { name, groups: this.groupsByUid.get(uid) ?? [], uid },
      new Date(this.clock.now()),
    ).limits;
  }

  private noteAccount(a: { uid: number; name: string; groups: readonly string[] }): void {
    this.groupsByUid.set(a.uid, [...a.groups]);
    this.namesByUid.set(a.uid, a.name);
  }

  /**
   * group_max_gpus as the allocator needs it (synchronously, inside a transaction): each owner's group from
   * the accounts last seen. Undefined when no group has a cap.
   */
  groupCaps(): GroupCaps | undefined {
    const policy = this.policy.current();
    if (!anyGroupCap(policy)) return undefined;
    return groupCapsFor(policy, (uid) => ({
      uid,
      name: this.namesByUid.get(uid) ?? this.store.containers.live(uid)[0]?.owner_name ?? String(uid),
      groups: this.groupsByUid.get(uid) ?? [],
    }));
  }

  /** NSS for owners of live allocations not seen since start (a restart), so their Linux group counts. */
  async warmOwners(): Promise<void> {
    if (!anyGroupCap(this.policy.current()) || !this.store.isOpen) return;
    const unseen = new Set(
      this.store.allocations
        .live()
        .map((a) => a.owner_uid)
        .filter((uid) => !this.groupsByUid.has(uid)),
    );
    for (const uid of unseen) {
      const acct = await this.accounts.byUid(uid).catch(() => null);
      if (acct) this.noteAccount(acct);
    }
  }

  reserve(
    owner: { uid: number; name: string; groups?: readonly string[] },
    limits: Limits,
    req: GpuRequest,
    actor: string,
  ): SlotRow[] {
    const strategy = this.policy.current().gpuAllocation.strategy;
    if (owner.groups) this.noteAccount({ uid: owner.uid, name: owner.name, groups: owner.groups });
    const groups = this.groupCaps();
    return this.store.tx(() => {
      const now = this.clock.now();
      const result = allocate({
        slots: this.store.slots.allocatable(),
        allocations: this.store.allocations.liveForAllocator(),
        request: {
          ownerUid: owner.uid,
          count: req.count,
          profile: req.profile ?? null,
          wholeGpu: req.wholeGpu ?? false,
          bookingId: req.bookingId ?? null,
          acceptDeadline: req.acceptDeadline ?? false,
          endsBy: limits.maxRuntimeMs === null ? null : now + limits.maxRuntimeMs,
        },
        limits,
        strategy,
        bookings: { windows: this.store.bookings.windows(now), now, when: localWhen },
        ...(groups ? { groups } : {}),
      });
      if (!result.ok) throw allocationError(result);
      for (const id of result.usedBookings) {
        if (!this.store.bookings.markUsed(id, now)) continue;
        this.audit.by(
          { uid: null, name: actor },
          'booking.used',
          { subjectUid: owner.uid },
          `booking ${id} used: ${result.slots.length} GPU slot(s) reserved in its window`,
          { booking: id, slots: result.slots },
          now,
        );
      }
      for (const uuid of result.slots) {
        this.store.allocations.insert({
          slot_uuid: uuid,
          container_id: null,
          owner_uid: owner.uid,
          allocated_at: now,
        });
      }
      this.audit.by(
        { uid: null, name: actor },
        'allocation.reserved',
        { subjectUid: owner.uid },
        `${result.slots.length} GPU slot(s) reserved for ${owner.name}${result.deadline ? `; booked by someone from ${localWhen(result.deadline.at)}, so it must stop by then` : ''}`,
        { slots: result.slots, request: req, strategy, deadline: result.deadline },
        now,
      );
      return result.slots.map((u) => this.store.slots.get(u) as SlotRow);
    });
  }

  /**
   * Reserve exactly these slots (a Slurm job's: Slurm placed it and enforced its quotas). Refused when a
   * slot is unknown, missing, drained here, or held by anything else — the database's unique index on
   * live allocations would refuse it too; this says which and why.
   */
  reservePinned(
    owner: { uid: number; name: string },
    slotUuids: readonly string[],
    actor: string,
  ): SlotRow[] {
    return this.store.tx(() => {
      const now = this.clock.now();
      const live = new Set(this.store.allocations.live().map((a) => a.slot_uuid));
      const rows = slotUuids.map((uuid) => {
        const slot = this.store.slots.get(uuid);
        const problem = !slot
          ? 'is not a GPU slot of this node'
          : slot.state !== 'available'
            ? `is ${slot.state}`
            : slot.drained
              ? `is drained here (${slot.drain_reason ?? 'no reason'})`
              : live.has(uuid)
                ? 'is in use by a container of this node'
                : null;
        if (problem)
          throw new Ds01Error(
            'CONFLICT',
            `GPU slot ${uuid} ${problem}`,
            'on a Slurm node every GPU belongs to Slurm: drain the node in Slurm, free the slot, then resume it',
          );
        return slot as SlotRow;
      });
      for (const r of rows)
        this.store.allocations.insert({
          slot_uuid: r.uuid,
          container_id: null,
          owner_uid: owner.uid,
          allocated_at: now,
        });
      this.audit.by(
        { uid: null, name: actor },
        'allocation.reserved',
        { subjectUid: owner.uid },
        `${rows.length} GPU slot(s) reserved for ${owner.name} as Slurm assigned them`,
        { slots: slotUuids, pinned: true },
        now,
      );
      return rows;
    });
  }

  attach(slotUuids: string[], containerId: string): void {
    const moved = this.store.allocations.attach(slotUuids, containerId);
    if (moved !== slotUuids.length) {
      throw new Ds01Error(
        'CONFLICT',
        `the GPU reservation for ${slotUuids.join(', ')} is gone (${moved} of ${slotUuids.length} still reserved)`,
        'deploy again; a reservation not used within a few minutes is released',
      );
    }
  }

  cancel(slotUuids: string[], reason: string): void {
    const released = this.store.tx(() => {
      const now = this.clock.now();
      const rows = this.store.allocations.reservationsOn(slotUuids);
      for (const a of rows) this.store.allocations.release(a.id, now, reason);
      if (rows.length) {
        this.audit.byDaemon(
          'allocation.cancelled',
          { subjectUid: rows[0]?.owner_uid ?? null },
          reason,
          { slots: rows.map((a) => a.slot_uuid) },
          now,
        );
      }
      return rows.length;
    });
    if (released) this.notifyCapacityFreed();
  }

  slotsOf(containerId: string): SlotRow[] {
    return this.store.allocations
      .liveForContainer(containerId)
      .map((a) => this.store.slots.get(a.slot_uuid))
      .filter((s): s is SlotRow => s !== undefined);
  }

  prepareStart(containerId: string): void {
    const rearm = this.store.tx(() => {
      const now = this.clock.now();
      const c = this.store.containers.get(containerId);
      const live = this.store.allocations.liveForContainer(containerId);
      const retire = `retire it (container-retire ${c?.project ?? containerId}) and deploy again to get a GPU that exists`;
      for (const a of live) {
        const slot = this.store.slots.get(a.slot_uuid);
        if (!slot || slot.state === 'missing') {
          throw new Ds01Error(
            'SLOT_MISSING',
            `GPU slot ${a.slot_uuid} of this container is no longer on this server (MIG reconfigured or GPU gone)`,
            retire,
            { slot: a.slot_uuid },
          );
        }
      }
      if (live.length === 0) {
        // Its hold expired (or an admin released it) but Docker's config still names those UUIDs: take
        // them back if they are still free, else the container cannot start with a GPU it does not hold.
        const ever = this.store.allocations.slotsEverHeldBy(containerId);
        if (ever.length && c) this.reclaim(c.id, c.owner_uid, c.owner_name, c.name, ever, now, retire);
        return false;
      }
      let reactivated = 0;
      for (const a of live) {
        if (a.state !== 'held') continue;
        this.store.allocations.reactivate(a.id);
        reactivated++;
        this.audit.byDaemon(
          'allocation.reactivated',
          { subjectUid: a.owner_uid, containerId, containerName: c?.name ?? null },
          'container starting again; its held GPU slot is active',
          { slot: a.slot_uuid },
          now,
        );
      }
      return reactivated > 0;
    });
    if (rearm) this.armHoldTimer();
  }

  private reclaim(
    containerId: string,
    uid: number,
    owner: string,
    name: string,
    slots: string[],
    now: number,
    retire: string,
  ): void {
    for (const uuid of slots) {
      const slot = this.store.slots.get(uuid);
      if (!slot || slot.state === 'missing') {
        throw new Ds01Error(
          'SLOT_MISSING',
          `GPU slot ${uuid} of this container is no longer on this server`,
          retire,
          { slot: uuid },
        );
      }
      const holder = this.store.allocations.liveForSlot(uuid);
      if (holder || slot.state === 'drained') {
        throw new Ds01Error(
          'NO_CAPACITY',
          `this container's GPU slot ${uuid} was released after it stopped and is now ${holder ? 'in use' : 'drained'}`,
          `${retire} (use --queue to wait for a free one)`,
          { slot: uuid },
        );
      }
    }
    const limits = this.limitsNow(uid, owner);
    const mine = this.store.allocations.liveForOwner(uid).length;
    if (limits.maxMigInstances !== null && mine + slots.length > limits.maxMigInstances) {
      throw new Ds01Error(
        'QUOTA_EXCEEDED',
        `starting this container would take back ${slots.length} GPU slot(s); you hold ${mine} of your ${limits.maxMigInstances}`,
        'stop or retire another container first (held slots count too)',
        { limit: 'max_mig_instances', current: mine, requested: slots.length, max: limits.maxMigInstances },
      );
    }
    for (const uuid of slots) {
      this.store.allocations.insert({
        slot_uuid: uuid,
        container_id: containerId,
        owner_uid: uid,
        allocated_at: now,
      });
    }
    this.audit.byDaemon(
      'allocation.reclaimed',
      { subjectUid: uid, containerId, containerName: name },
      'container starting again; its released GPU slot(s) were still free',
      { slots },
      now,
    );
  }

  /** Docker started it behind ds01's back (or ds01 did after prepareStart): held slots are active again. */
  containerStarted(containerId: string, at: number): void {
    let changed = false;
    for (const a of this.store.allocations.liveForContainer(containerId)) {
      if (a.state !== 'held') continue;
      this.store.allocations.reactivate(a.id);
      changed = true;
      this.audit.byDaemon(
        'allocation.reactivated',
        { subjectUid: a.owner_uid, containerId },
        'container running again; its held GPU slot is active',
        { slot: a.slot_uuid },
        at,
      );
    }
    if (changed) queueMicrotask(() => this.armHoldTimer());
  }

  containerStopped(containerId: string, at: number): void {
    const active = this.store.allocations.liveForContainer(containerId).filter((a) => a.state === 'active');
    if (!active.length) return;
    const c = this.store.containers.get(containerId);
    const uid = c?.owner_uid ?? (active[0] as AllocationRow).owner_uid;
    // A batch job's GPU goes back the moment it ends (no hold: nobody comes back to an ended job); so does
    // a slot someone else has booked from now (the container was stopped for that booking).
    const isJob = this.releaseAtOnce?.(containerId) ?? false;
    const windows = this.store.bookings.windows(at);
    const booked = active.some((a) => slotView(a.slot_uuid, uid, windows, at).kind === 'blocked');
    const why = isJob ? 'job' : booked ? 'booked' : null;
    const holdMs = why ? 0 : this.limitsNow(uid, c?.owner_name ?? String(uid)).gpuHoldAfterStopMs;
    this.applyHold(containerId, c?.name ?? null, active, at, holdMs, why);
    // Released or newly held: either way a queued user may be able to use it now (issue 14: a hold that
    // appeared after someone queued sat unused until an unrelated event served the queue).
    this.notifyCapacityFreed();
    if (holdMs !== 0) {
      queueMicrotask(() => this.armHoldTimer());
      // Groups come from NSS (async); if the cached ones were stale the deadline is corrected here.
      if (c) void this.refineHold(containerId, c.owner_uid, c.owner_name, at, holdMs);
    }
  }

  private applyHold(
    containerId: string,
    name: string | null,
    rows: AllocationRow[],
    at: number,
    holdMs: number | null,
    atOnce: 'job' | 'booked' | null = null,
  ): void {
    // A job's release says why (it ended; jobs never hold), not the policy's hold it did not use.
    const released =
      atOnce === 'job'
        ? 'job ended; a job releases its GPU at once'
        : atOnce === 'booked'
          ? 'container stopped; its GPU slot is booked by someone from now, so it is released at once'
          : 'container stopped; its GPU is released at once (gpu_hold_after_stop: 0)';
    for (const a of rows) {
      if (holdMs === 0) {
        this.store.allocations.release(
          a.id,
          at,
          atOnce === 'job'
            ? 'job ended; jobs release at once'
            : atOnce === 'booked'
              ? 'stopped for a booking'
              : 'container stopped; gpu_hold_after_stop is 0',
        );
      } else {
        this.store.allocations.hold(a.id, at, holdMs === null ? null : at + holdMs);
      }
    }
    const until = holdMs === null ? null : at + holdMs;
    this.audit.byDaemon(
      holdMs === 0 ? 'allocation.released' : 'allocation.held',
      { subjectUid: rows[0]?.owner_uid ?? null, containerId, containerName: name },
      holdMs === 0
        ? released
        : holdMs === null
          ? 'container stopped; its GPU is held until the container is removed'
          : `container stopped; its GPU is held until ${localWhen(until as number)}, then released`,
      {
        slots: rows.map((a) => a.slot_uuid),
        holdUntil: until === null ? null : new Date(until).toISOString(),
      },
      at,
    );
  }

  private async refineHold(containerId: string, uid: number, name: string, at: number, was: number | null) {
    try {
      const holdMs = (await this.limitsOf({ uid, name })).gpuHoldAfterStopMs;
      if (holdMs === was) return;
      const changed = this.store.tx(() => {
        const held = this.store.allocations
          .liveForContainer(containerId)
          .filter((a) => a.state === 'held' && a.held_since === at);
        if (!held.length) return false;
        for (const a of held) this.store.allocations.reactivate(a.id);
        this.applyHold(containerId, null, held, at, holdMs);
        return true;
      });
      if (changed) {
        this.armHoldTimer();
        this.notifyCapacityFreed();
      }
    } catch (err) {
      this.log.warn('could not refine a GPU hold', { containerId, err: String(err) });
    }
  }

  releaseForContainer(containerId: string, reason: string, actor: string): void {
    const n = this.store.tx(() => {
      const now = this.clock.now();
      const rows = this.store.allocations.liveForContainer(containerId);
      const c = this.store.containers.get(containerId);
      for (const a of rows) this.store.allocations.release(a.id, now, reason);
      if (rows.length) {
        this.audit.by(
          { uid: null, name: actor },
          'allocation.released',
          { subjectUid: rows[0]?.owner_uid ?? null, containerId, containerName: c?.name ?? null },
          reason,
          { slots: rows.map((a) => a.slot_uuid) },
          now,
        );
      }
      return rows.length;
    });
    if (n) {
      this.armHoldTimer();
      this.notifyCapacityFreed();
    }
  }

  /** Release one live allocation (hold expiry, queue pressure, admin force-release). Caller's tx. */
  releaseAllocation(
    a: AllocationRow,
    kind: EventKind,
    reason: string,
    actor: { uid: number | null; name: string },
  ) {
    const now = this.clock.now();
    if (!this.store.allocations.release(a.id, now, reason)) return false;
    const c = a.container_id ? this.store.containers.get(a.container_id) : undefined;
    this.audit.by(
      actor,
      kind,
      { subjectUid: a.owner_uid, containerId: a.container_id, containerName: c?.name ?? null },
      reason,
      { slot: a.slot_uuid, heldSince: a.held_since, holdUntil: a.hold_until },
      now,
    );
    return true;
  }

  /** Wake the hold timer and the reservation reconcile; expire anything already overdue. */
  start(): void {
    this.started = true;
    this.warmOwners().catch((err) => this.log.warn('group caps: owner lookup failed', { err: String(err) }));
    this.reconcileReservations();
    this.expireDueHolds();
    this.reconcileTimer = setInterval(() => this.reconcileReservations(), 60_000);
    this.reconcileTimer.unref();
  }

  stop(): void {
    this.started = false;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    this.holdTimer = null;
    this.holdTimerAt = null;
    this.reconcileTimer = null;
  }

  /** When the next hold ends (epoch ms), or null. */
  nextHoldDeadline(): number | null {
    return this.store.allocations.heldWithDeadline()[0]?.hold_until ?? null;
  }

  /** One timer, at the earliest deadline. Called after every change to holds. */
  armHoldTimer(): void {
    if (!this.started || !this.store.isOpen) return;
    const next = this.nextHoldDeadline();
    if (next === this.holdTimerAt && this.holdTimer) return;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    this.holdTimerAt = next;
    if (next === null) return;
    const delay = Math.min(Math.max(0, next - this.clock.now()), MAX_TIMER_MS);
    this.holdTimer = setTimeout(() => {
      this.holdTimer = null;
      this.holdTimerAt = null;
      this.expireDueHolds();
    }, delay);
    this.holdTimer.unref();
  }

  /** Release every hold whose deadline has passed; returns how many. */
  expireDueHolds(): number {
    if (!this.store.isOpen) return 0;
    let n = 0;
    try {
      n = this.store.tx(() => {
        const now = this.clock.now();
        let released = 0;
        for (const a of this.store.allocations.heldWithDeadline()) {
          if ((a.hold_until as number) > now) break;
          const late = now - (a.hold_until as number);
          if (
            this.releaseAllocation(
              a,
              'allocation.hold_expired',
              `GPU hold after stop ended at ${localWhen(a.hold_until as number)}; slot released${late > 5000 ? ` (${Math.round(late / 1000)} s late: the daemon was down)` : ''}`,
              DAEMON,
            )
          )
            released++;
        }
        return released;
      });
    } catch (err) {
      this.log.error('hold expiry failed', { err: String(err) });
    }
    this.armHoldTimer();
    if (n) this.notifyCapacityFreed();
    return n;
  }

  /** Reservations that never got their container (crash between reserve and attach) are released. */
  reconcileReservations(maxAgeMs = RESERVATION_TTL_MS): number {
    if (!this.store.isOpen) return 0;
    const n = this.store.tx(() => {
      const now = this.clock.now();
      let released = 0;
      for (const a of this.store.allocations.staleReservations(now - maxAgeMs)) {
        if (
          this.releaseAllocation(
            a,
            'allocation.reservation_expired',
            `GPU reservation made ${Math.round((now - a.allocated_at) / 1000)} s ago never got its container; released`,
            DAEMON,
          )
        )
          released++;
      }
      return released;
    });
    if (n) this.notifyCapacityFreed();
    return n;
  }
}

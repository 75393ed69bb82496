// The GPU queue, event-driven: whenever capacity may be usable (a release, a removal, a new hold or one
// expiring, a drain lifted, a slot returning, a policy reload, a reconcile) `kick()` runs one serve pass; passes never overlap (a kick
// during a pass runs one more pass after it). Order: priority, then least recent GPU usage, then arrival
// (pure: gpu/queue.ts). Serving an entry calls the injected `serve` callback, which deploys through
// GpuLeases; the entry ends served or failed and its owner gets an event either way.

import type { GpuQueueRequest, QueueEntryView } from '../api/types/gpus.js';
import type { Clock } from '../clock.js';
import { localWhen } from '../common/when.js';
import { Ds01Error, notFound } from '../errors.js';
import { type AllocationLimits, allocate, type GroupCaps } from '../gpu/allocator.js';
import { groupBlock } from '../gpu/group-caps.js';
import { orderQueue, type QueueEntry, serveQueue } from '../gpu/queue.js';
import { planHeldReleases, type SlotOutlook } from '../gpu/queue-plan.js';
import { describe, normalise, parseRequest } from '../gpu/queue-request.js';
import {
  estimateWait,
  type FreeBasis,
  ownQuotaBlock,
  toView as toWaitView,
  type WaitEstimate,
} from '../gpu/wait-estimate.js';
import type { Caller } from '../identity/caller.js';
import type { Logger } from '../log.js';
import type { Limits } from '../policy/types.js';
import { type Audit, auditLog } from '../store/audit.js';
import type { Store } from '../store/index.js';
import type { QueueRow } from '../store/queue.js';
import { allocationError, type GpuLeases, type GpuRequest, toLive } from './gpu-leases.js';
import type { PolicyService } from './policy.js';
import { slotOutlook } from './queue-outlook.js';
import { canSee } from './visibility.js';

/** What the serve callback gets: the queued deploy request, exactly as it was enqueued. */
export interface QueuedDeploy {
  id: number;
  owner: { uid: number; name: string };
  request: unknown;
  gpu: GpuRequest;
  priority: number;
  enqueuedAt: number;
}

/** Deploys a queued request (reserving through GpuLeases). Throw a Ds01Error NO_CAPACITY to keep waiting. */
export type ServeQueued = (
  entry: QueuedDeploy,
) => Promise<{ containerId?: string | null } | undefined | undefined>;

/** Ended entries (served, left, failed) stay listed this long so a user sees what became of theirs. */
export const SHOW_ENDED_MS = 15 * 60_000;

export class GpuQueue {
  private serveFn: ServeQueued | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** Resolves when no pass is running or pending (tests and benchmarks wait on it). */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private readonly audit: Audit;

  constructor(
    private readonly store: Store,
    private readonly leases: GpuLeases,
    private readonly policy: PolicyService,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.audit = auditLog(store.events, () => clock.now());
    leases.onCapacityFreed(() => this.kick());
    // A reload can raise a quota, turn on release_held_when_queued or change priorities.
    policy.onChange(() => this.kick());
  }

  /** The containers service supplies the real deploy; until then entries wait. */
  setServe(fn: ServeQueued): void {
    this.serveFn = fn;
    this.kick();
  }

  stop(): void {
    this.stopped = true;
  }

  enqueue(
    owner: { uid: number; name: string },
    request: unknown,
    gpu: GpuRequest,
    priority: number,
    limits?: Limits,
  ): QueueEntryView {
    const view = this.store.tx(() => {
      const now = this.clock.now();
      // A quota breach or an impossible request is an immediate error, never a wait that cannot end.
      if (limits) {
        const r = allocate({
          slots: this.store.slots.allocatable(),
          allocations: this.store.allocations.liveForAllocator(),
          request: {
            ownerUid: owner.uid,
            count: gpu.count,
            profile: gpu.profile ?? null,
            wholeGpu: gpu.wholeGpu ?? false,
            bookingId: gpu.bookingId ?? null,
            acceptDeadline: gpu.acceptDeadline ?? false,
          },
          limits,
          strategy: this.policy.current().gpuAllocation.strategy,
          bookings: { windows: this.store.bookings.windows(now), now, when: localWhen },
          ...withGroups(this.leases.groupCaps()),
        });
        // NO_CAPACITY waits, also when the group is at its group_max_gpus (a member's release serves it).
        if (!r.ok && r.code !== 'NO_CAPACITY') throw allocationError(r);
      }
      const id = this.store.queue.insert({
        owner_uid: owner.uid,
        owner_name: owner.name,
        request_json: JSON.stringify({ deploy: request ?? null, gpu: normalise(gpu) }),
        priority,
        enqueued_at: now,
      });
      this.audit.byUser(
        owner,
        'queue.joined',
        { subjectUid: owner.uid },
        `waiting for ${describe(gpu)}`,
        { queueId: id, gpu: normalise(gpu), priority },
        now,
      );
      return id;
    });
    this.kick();
    return this.viewOf(this.store.queue.get(view) as QueueRow);
  }

  /** One entry's view, with its place and wait while it waits. */
  private viewOf(row: QueueRow): QueueEntryView {
    return this.viewsFor(null).find((v) => v.id === row.id) ?? this.toView(row, null, null);
  }

  /**
   * The owner's waiting entry whose stored request `same` recognises (with its place, and that request),
   * or null: a deploy asked again while it waits is answered with its entry (containers/deploy.ts).
   */
  waitingFor(
    ownerUid: number,
    same: (request: unknown) => boolean,
  ): { view: QueueEntryView; request: unknown } | null {
    for (const row of this.store.queue.waiting()) {
      const { deploy } = parseRequest(row);
      if (row.owner_uid !== ownerUid || !same(deploy)) continue;
      return { view: this.viewOf(row), request: deploy };
    }
    return null;
  }

  /** The owner leaves the queue. */
  leave(caller: Caller, id: number): QueueEntryView {
    return this.end(caller, id, 'left', 'left the queue', false);
  }

  /** An admin removes any entry, with a reason the owner sees. */
  remove(caller: Caller, id: number, reason: string): QueueEntryView {
    if (!caller.admin)
      throw new Ds01Error(
        'FORBIDDEN',
        'only admins remove queue entries',
        'use `ds01 queue leave ID` for your own',
      );
    return this.end(caller, id, 'removed', reason || 'removed by an admin', true);
  }

  private end(caller: Caller, id: number, state: 'left' | 'removed', reason: string, asAdmin: boolean) {
    const row = this.store.queue.get(id);
    if (!row || !canSee(caller, row.owner_uid)) {
      if (row && !caller.admin) {
        throw new Ds01Error(
          'FORBIDDEN',
          `queue entry ${id} is not yours`,
          'see your entries with `gpu-queue`',
        );
      }
      throw notFound(`queue entry ${id}`, 'see the queue with `gpu-queue`');
    }
    // An admin removing someone else's entry is 'removed'; their own is 'left'.
    const final = asAdmin || row.owner_uid !== caller.uid ? 'removed' : state;
    const done = this.store.tx(() => {
      const now = this.clock.now();
      if (!this.store.queue.end(id, final, now, reason)) return false;
      this.audit.byUser(
        caller,
        final === 'left' ? 'queue.left' : 'queue.removed',
        { subjectUid: row.owner_uid },
        reason,
        { queueId: id },
        now,
      );
      return true;
    });
    if (!done) {
      throw new Ds01Error(
        'CONFLICT',
        `queue entry ${id} is no longer waiting (${this.store.queue.get(id)?.state})`,
        'see `gpu-queue`',
      );
    }
    this.kick(); // a removed head may unblock nobody, but a pass is cheap and keeps the rule simple
    return this.toView(this.store.queue.get(id) as QueueRow, null, null);
  }

  /** What every waiting entry asks for (for `gpu-avail`). */
  waitingRequests(): GpuQueueRequest[] {
    return this.store.queue.waiting().map((r) => parseRequest(r).gpu);
  }

  /** Waiting entries (and recently ended ones): own for users, all for admins. */
  list(caller: Caller): QueueEntryView[] {
    return this.viewsFor(caller);
  }

  private viewsFor(caller: Caller | null): QueueEntryView[] {
    const now = this.clock.now();
    const rows = this.store.queue.recent(
      now - SHOW_ENDED_MS,
      caller && !caller.admin ? caller.uid : undefined,
    );
    const waiting = this.orderedWaiting();
    const position = new Map(waiting.map((e, i) => [Number(e.id), i]));
    const outlook = this.outlook(now);
    const slots = outlook.map((o) => o.slot);
    const live = this.store.allocations.live().map(toLive);
    const groups = this.leases.groupCaps();
    const ahead = new Map<number, number>();
    let taken = 0;
    for (const e of waiting) {
      ahead.set(Number(e.id), taken);
      taken += e.request.count;
    }
    return rows.map((r) => {
      const pos = position.get(r.id);
      if (pos === undefined) return this.toView(r, null, null);
      const gpu = parseRequest(r).gpu;
      const limits = this.leases.limitsNow(r.owner_uid, r.owner_name);
      const request = {
        ownerUid: r.owner_uid,
        count: gpu.count,
        profile: gpu.profile,
        wholeGpu: gpu.wholeGpu,
      };
      const wait = estimateWait({
        outlook,
        request: gpu,
        slotsAhead: ahead.get(r.id) ?? 0,
        now,
        limits,
        quotaBlock:
          ownQuotaBlock(slots, live, request, limits) ?? (groups ? groupBlock(groups, live, request) : null),
      });
      return this.toView(r, pos + 1, wait);
    });
  }

  /** Waiting entries in serving order (pure ordering over the rows). */
  private orderedWaiting(limitsByUser?: Map<number, Limits>): QueueEntry[] {
    const lastUse = new Map<number, number | null>();
    const entries = this.store.queue.waiting().map((r) => {
      if (!lastUse.has(r.owner_uid))
        lastUse.set(r.owner_uid, this.store.allocations.lastGrantAt(r.owner_uid));
      const { gpu, terms } = parseRequest(r);
      return {
        id: String(r.id),
        ownerUid: r.owner_uid,
        // The priority in force now (the policy may have changed since it joined).
        priority:
          limitsByUser?.get(r.owner_uid)?.priority ??
          this.leases.limitsNow(r.owner_uid, r.owner_name).priority,
        enqueuedAt: r.enqueued_at,
        lastGpuUsageAt: lastUse.get(r.owner_uid) ?? null,
        request: {
          ownerUid: r.owner_uid,
          count: gpu.count,
          profile: gpu.profile ?? null,
          wholeGpu: gpu.wholeGpu ?? false,
          ...terms,
        },
      } satisfies QueueEntry;
    });
    return orderQueue(entries);
  }

  /** When each slot should be free, and why then (queue-outlook.ts). */
  outlook(now: number): (SlotOutlook & { basis: FreeBasis })[] {
    return slotOutlook(this.store, this.leases, now);
  }

  private toView(r: QueueRow, position: number | null, wait: WaitEstimate | null): QueueEntryView {
    const p = parseRequest(r);
    const at = wait?.kind === 'at' ? wait.at : wait?.kind === 'now' ? this.clock.now() : null;
    return {
      id: r.id,
      owner: r.owner_name,
      ownerUid: r.owner_uid,
      state: r.state,
      priority: r.priority,
      enqueuedAt: new Date(r.enqueued_at).toISOString(),
      endedAt: r.ended_at === null ? null : new Date(r.ended_at).toISOString(),
      gpu: p.gpu,
      request: p.deploy,
      position,
      estimatedServeAt: at === null ? null : new Date(at).toISOString(),
      wait: wait ? toWaitView(wait) : null,
      containerId: r.container_id,
      note: r.note,
    };
  }

  /** Run a serve pass now, or once more after the one in progress. Never throws. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.pass();
        } catch (err) {
          this.log.error('queue pass failed', { err: String((err as Error)?.stack ?? err) });
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = null;
    });
  }

  /** Serve entries one at a time, re-planning after each (a deploy changes what is free). */
  private async pass(): Promise<void> {
    const tried = new Set<string>();
    for (;;) {
      if (this.stopped || !this.store.isOpen) return;
      const waiting = this.store.queue.waiting();
      if (!waiting.length || !this.serveFn) return;
      const limitsByUser = new Map<number, Limits>();
      for (const r of waiting) {
        if (limitsByUser.has(r.owner_uid)) continue;
        limitsByUser.set(r.owner_uid, await this.leases.limitsOf({ uid: r.owner_uid, name: r.owner_name }));
      }
      const next = this.planNext(limitsByUser, tried);
      if (!next) return;
      tried.add(next.id);
      await this.serveOne(next.row);
    }
  }

  /** The next entry to serve, after releasing held slots for it when the policy says so. */
  private planNext(
    limitsByUser: Map<number, Limits>,
    tried: Set<string>,
  ): { id: string; row: QueueRow } | null {
    const strategy = this.policy.current().gpuAllocation.strategy;
    const releaseHeld = this.policy.current().gpuAllocation.releaseHeldWhenQueued;
    const maxWaitMs = this.policy.current().gpuAllocation.maxOvertakeWaitMs;
    return this.store.tx(() => {
      const entries = this.orderedWaiting(limitsByUser).filter((e) => !tried.has(e.id));
      if (!entries.length) return null;
      const slots = this.store.slots.allocatable();
      const live = this.store.allocations.live();
      const allocations = live.map(toLive);
      const lim = limitsByUser as ReadonlyMap<number, AllocationLimits>;
      const bound = { now: this.clock.now(), maxWaitMs };
      const ctx = { windows: this.store.bookings.windows(bound.now), now: bound.now, when: localWhen };
      const groups = this.leases.groupCaps();
      const first = serveQueue(slots, allocations, entries, lim, strategy, bound, ctx, groups)[0];
      if (first) return { id: first.entryId, row: this.store.queue.get(Number(first.entryId)) as QueueRow };
      if (!releaseHeld) return null;
      const plan = planHeldReleases(slots, allocations, entries, lim, strategy, groups);
      if (!plan?.release.length) return null;
      const bySlot = new Map(live.map((a) => [a.slot_uuid, a]));
      const entry = this.store.queue.get(Number(plan.entryId)) as QueueRow;
      for (const h of plan.release) {
        const row = bySlot.get(h.slotUuid);
        if (!row) continue;
        this.leases.releaseAllocation(
          row,
          'allocation.released_for_queue',
          `held since ${localWhen(row.held_since ?? 0)} after its container stopped; released early because ${entry.owner_name} is waiting for a GPU (release_held_when_queued)`,
          { uid: null, name: 'ds01d' },
        );
      }
      return { id: plan.entryId, row: entry };
    });
  }

  private async serveOne(row: QueueRow): Promise<void> {
    const p = parseRequest(row);
    const entry: QueuedDeploy = {
      id: row.id,
      owner: { uid: row.owner_uid, name: row.owner_name },
      request: p.deploy,
      gpu: p.gpu,
      priority: row.priority,
      enqueuedAt: row.enqueued_at,
    };
    const serve = this.serveFn as ServeQueued;
    try {
      // Still waiting? (left or removed while we planned)
      if (this.store.queue.get(row.id)?.state !== 'waiting') return;
      const out = await serve(entry);
      const containerId = (out && typeof out === 'object' && out.containerId) || null;
      this.finish(row, 'served', 'deployed: a GPU slot was free for it', containerId);
    } catch (err) {
      const e = err as Ds01Error;
      if (e instanceof Ds01Error && e.code === 'NO_CAPACITY') {
        // Someone deployed directly in between: keep the place in the queue.
        this.store.queue.setNote(row.id, `last try: ${e.message}`);
        return;
      }
      const reason =
        e instanceof Ds01Error
          ? `${e.message}${e.hint ? ` (${e.hint})` : ''}`
          : String((err as Error)?.message ?? err);
      this.finish(row, 'failed', reason, null);
    }
  }

  private finish(row: QueueRow, state: 'served' | 'failed', reason: string, containerId: string | null) {
    this.store.tx(() => {
      const now = this.clock.now();
      if (!this.store.queue.end(row.id, state, now, reason, containerId)) return;
      this.audit.byDaemon(
        state === 'served' ? 'queue.served' : 'queue.failed',
        { subjectUid: row.owner_uid, containerId },
        state === 'served'
          ? `your queued request ${row.id} got its GPU and was deployed`
          : `your queued request ${row.id} failed when its turn came: ${reason}`,
        { queueId: row.id, waitedMs: now - row.enqueued_at },
        now,
      );
    });
  }
}

const withGroups = (groups: GroupCaps | undefined) => (groups ? { groups } : {});

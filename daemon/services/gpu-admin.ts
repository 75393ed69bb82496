// The GPU slots as users and admins see them, and the admin verbs: drain/undrain (no new allocations on a
// GPU or slot; current holders keep theirs and are told), force-release (the container keeps running but
// loses its claim), refresh the inventory now.

import type {
  GpuAvailability,
  GpuAvailabilityReport,
  GpuDrainResult,
  GpuList,
  GpuReleaseResult,
  GpuSlotHolder,
  GpuSlotView,
  UnmanagedProcessView,
} from '../api/types/gpus.js';
import type { Clock } from '../clock.js';
import { Ds01Error, notFound } from '../errors.js';
import { groupHeld } from '../gpu/group-caps.js';
import { healthView } from '../gpu/health-view.js';
import { slotServes } from '../gpu/queue-plan.js';
import { MIN_PREFIX, resolveSlotRef } from '../gpu/slot-ref.js';
import {
  canGetNow,
  canGetOfKind,
  estimateWait,
  type GroupHolding,
  groupBinding,
  groupLeft,
  ownQuotaBlock,
  toView as toWaitView,
} from '../gpu/wait-estimate.js';
import type { Caller } from '../identity/caller.js';
import type { AccountLookup } from '../identity/nss.js';
import type { AllocationRow } from '../store/allocations.js';
import { type Audit, auditLog } from '../store/audit.js';
import type { Store } from '../store/index.js';
import type { SlotRow } from '../store/slots.js';
import type { GpuInventoryService } from './gpu-inventory.js';
import { type GpuLeases, toLive } from './gpu-leases.js';
import type { GpuQueue } from './gpu-queue.js';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export class GpuAdmin {
  constructor(
    private readonly store: Store,
    private readonly inventory: GpuInventoryService,
    private readonly leases: GpuLeases,
    private readonly queue: GpuQueue,
    private readonly accounts: AccountLookup,
    private readonly clock: Clock,
  ) {
    this.audit = auditLog(store.events, () => clock.now());
  }

  private readonly audit: Audit;

  async list(caller: Caller): Promise<GpuList> {
    const live = new Map(this.store.allocations.live().map((a) => [a.slot_uuid, a]));
    const health = new Map(this.store.gpuHealth.all().map((h) => [h.gpuUuid, healthView(h)]));
    const slots: GpuSlotView[] = [];
    for (const s of this.store.slots.all()) {
      const a = live.get(s.uuid);
      slots.push({
        ...this.view(s, a ? await this.holder(caller, a) : null),
        health: health.get(s.parent_uuid) ?? null,
      });
    }
    return {
      slots,
      lastProbeAt: iso(this.inventory.lastProbeAt),
      probeError: this.inventory.lastError,
    };
  }

  private view(s: SlotRow, holder: GpuSlotHolder | null): Omit<GpuSlotView, 'health'> {
    return {
      uuid: s.uuid,
      gpuIndex: s.gpu_index,
      gpuUuid: s.parent_uuid,
      gpuName: s.gpu_name,
      kind: s.kind,
      profile: s.profile,
      migDeviceIndex: s.mig_device_index,
      memoryMiB: s.memory_mib,
      gpuEquivalents: Math.round(s.gpu_equivalents * 1000) / 1000,
      state: s.state,
      drainReason: s.drain_reason,
      holder,
      unmanaged: s.unmanaged_json ? (JSON.parse(s.unmanaged_json) as UnmanagedProcessView[]) : [],
      unmanagedBlocks: s.unmanaged_blocks === 1,
    };
  }

  /** Admins and the holder see who and which container; everyone else only that it is taken. */
  private async holder(caller: Caller, a: AllocationRow): Promise<GpuSlotHolder> {
    const yours = a.owner_uid === caller.uid;
    const state = a.container_id === null ? 'reserved' : a.state === 'held' ? 'held' : 'active';
    const base = { yours, state, holdUntil: iso(a.hold_until) } as const;
    if (!caller.admin && !yours) {
      return { ...base, label: 'taken', user: null, uid: null, containerId: null, containerName: null };
    }
    const c = a.container_id ? this.store.containers.get(a.container_id) : undefined;
    const user =
      c?.owner_name ??
      (await this.accounts.byUid(a.owner_uid).catch(() => null))?.name ??
      String(a.owner_uid);
    return {
      ...base,
      label: yours ? 'yours' : user,
      user,
      uid: a.owner_uid,
      containerId: a.container_id,
      containerName: c?.project ?? null,
    };
  }

  /** The caller's group when it has a `group_max_gpus`: what its members hold now (held slots too). */
  private groupHolding(uid: number, live: readonly AllocationRow[]): GroupHolding | null {
    const caps = this.leases.groupCaps();
    if (!caps) return null;
    const name = caps.groupOf(uid);
    const max = caps.maxOf(name);
    return max === null ? null : { name, held: groupHeld(caps, name, live.map(toLive)), max };
  }

  /**
   * What is free now per kind of slot, what the CALLER could get of it (their quota and whole-GPU
   * permission applied, with the binding limit), and when they would get one: the queue's own estimator.
   */
  async availability(caller: Caller): Promise<GpuAvailabilityReport> {
    const now = this.clock.now();
    const limits = await this.leases.limitsOf({ uid: caller.uid, name: caller.name });
    const live = this.store.allocations.live();
    const byUuid = new Map(live.map((a) => [a.slot_uuid, a]));
    const outlook = this.queue.outlook(now);
    const slots = outlook.map((o) => o.slot);
    const waiting = this.queue.waitingRequests();
    const weight = new Map(slots.map((s) => [s.uuid, s.gpuEquivalents]));
    const mine = live.filter((a) => a.owner_uid === caller.uid);
    const holding = {
      slots: mine.length,
      gpuEquivalents: mine.reduce((n, a) => n + (weight.get(a.slot_uuid) ?? 0), 0),
    };
    const group = this.groupHolding(caller.uid, live);
    const mineWaiting = this.queue
      .list(caller)
      .filter((e) => e.state === 'waiting' && e.ownerUid === caller.uid);
    const groups = new Map<string, GpuAvailability>();
    const shapeOf = new Map<string, { profile: string | null; wholeGpu: boolean }>();
    for (const o of outlook) {
      const s = o.slot;
      const key = s.kind === 'full' ? 'full' : (s.profile ?? 'mig');
      let g = groups.get(key);
      if (!g) {
        g = {
          profile: key,
          kind: s.kind,
          gpuEquivalents: Math.round(s.gpuEquivalents * 1000) / 1000,
          total: 0,
          free: 0,
          held: 0,
          drained: 0,
          missing: 0,
          queued: waiting.filter((w) => slotServes(s, w)).length,
          nextFreeAt: null,
          wait: { kind: 'unknown', at: null, why: null },
          forYou: { canGet: 0, atOnce: null, binding: null },
        };
        groups.set(key, g);
        shapeOf.set(
          key,
          s.kind === 'full' ? { profile: null, wholeGpu: true } : { profile: s.profile, wholeGpu: false },
        );
      }
      g.total++;
      const a = byUuid.get(s.uuid);
      if (s.state === 'missing') g.missing++;
      else if (s.state === 'drained') g.drained++;
      // 'busy' (unmanaged use, an unhealthy GPU) is not free, though nobody in ds01 holds it.
      else if (!a) {
        if (s.state === 'available') g.free++;
      } else if (a.state === 'held') g.held++;
    }
    for (const [key, g] of groups) {
      const shape = shapeOf.get(key) as { profile: string | null; wholeGpu: boolean };
      const request = { ownerUid: caller.uid, count: 1, ...shape };
      g.forYou = canGetOfKind(g, limits, holding, group);
      // Already queued for this kind? Then the answer is that entry's own estimate (the same object
      // gpu-queue shows); else a newcomer's, behind every waiting request this kind of slot could serve.
      const own = mineWaiting.find(
        (e) => e.wait && slots.some((s) => slotServes(s, e.gpu) && slotServes(s, shape)),
      );
      const ahead = waiting
        .filter((w) => slots.some((s) => s.state === 'available' && slotServes(s, w) && slotServes(s, shape)))
        .reduce((n, w) => n + w.count, 0);
      const wait = own?.wait
        ? own.wait
        : toWaitView(
            estimateWait({
              outlook,
              request: { count: 1, ...shape },
              slotsAhead: ahead,
              now,
              limits,
              quotaBlock: ownQuotaBlock(slots, live.map(toLive), request, limits),
            }),
          );
      g.wait = wait;
      g.nextFreeAt = wait.kind === 'at' ? wait.at : wait.kind === 'now' ? iso(now) : null;
    }
    const profiles = [...groups.values()].sort(
      (a, b) =>
        (a.kind === b.kind ? a.gpuEquivalents - b.gpuEquivalents : a.kind === 'mig' ? -1 : 1) ||
        a.profile.localeCompare(b.profile),
    );
    const ownSlotsLeft =
      limits.maxMigInstances === null ? null : Math.max(0, limits.maxMigInstances - holding.slots);
    // group_max_gpus binds the member too: what the group may still take together.
    const slotsLeft = group
      ? Math.min(ownSlotsLeft ?? Number.POSITIVE_INFINITY, groupLeft(group))
      : ownSlotsLeft;
    const eqLeft =
      limits.maxGpuEquivalents === null
        ? null
        : Math.max(0, Math.round((limits.maxGpuEquivalents - holding.gpuEquivalents) * 1000) / 1000);
    const smallest = Math.min(
      ...profiles.filter((p) => p.kind === 'mig' || limits.allowFullGpu).map((p) => p.gpuEquivalents),
    );
    const binding =
      ownSlotsLeft === 0
        ? `max_mig_instances ${limits.maxMigInstances}: you hold ${holding.slots}`
        : group && groupLeft(group) === 0
          ? groupBinding(group)
          : eqLeft !== null && eqLeft + 1e-9 < smallest
            ? `max_gpu_equivalents ${limits.maxGpuEquivalents}: you hold ${Math.round(holding.gpuEquivalents * 1000) / 1000}`
            : null;
    return {
      profiles,
      queued: waiting.length,
      you: {
        canGetNow: canGetNow(
          outlook
            .filter(
              (o) =>
                o.slot.state === 'available' &&
                !byUuid.has(o.slot.uuid) &&
                (o.slot.kind === 'mig' || limits.allowFullGpu),
            )
            .map((o) => o.slot.gpuEquivalents),
          slotsLeft,
          eqLeft,
        ),
        slotsLeft,
        gpuEquivalentsLeft: eqLeft,
        allowFullGpu: limits.allowFullGpu,
        binding,
      },
    };
  }

  /** Every form `ds01 gpu list` shows: `1.2`, a GPU index, a slot/GPU UUID, a unique UUID prefix. */
  resolve(ref: string): SlotRow[] {
    const all = this.store.slots.all();
    const r = resolveSlotRef(
      all.map((s) => ({
        row: s,
        uuid: s.uuid,
        parentUuid: s.parent_uuid,
        gpuIndex: s.gpu_index,
        kind: s.kind,
        migDeviceIndex: s.mig_device_index,
        state: s.state,
      })),
      ref,
    );
    if (r.ok) return r.slots.map((s) => s.row);
    if (r.reason === 'ambiguous') {
      throw new Ds01Error(
        'BAD_REQUEST',
        `"${ref}" matches ${r.candidates.length} GPUs or slots: ${r.candidates.slice(0, 6).join(', ')}${r.candidates.length > 6 ? ', …' : ''}`,
        'give more of the UUID, or the SLOT label (e.g. 1.2) from `ds01 gpu list`',
      );
    }
    throw notFound(
      `GPU or slot "${ref}"`,
      `give a SLOT label (e.g. 1.2), a GPU index, or a UUID (a unique prefix of ${MIN_PREFIX}+ characters is enough) from \`ds01 gpu list\``,
    );
  }

  drain(caller: Caller, ref: string, reason: string, drained: boolean): GpuDrainResult {
    const slots = this.resolve(ref);
    const result = this.store.tx(() => {
      const now = this.clock.now();
      const holders: GpuDrainResult['holders'] = [];
      for (const s of slots) {
        this.store.slots.setDrained(s.uuid, drained, drained ? reason : null);
        const a = this.store.allocations.liveForSlot(s.uuid);
        if (!a) continue;
        const c = a.container_id ? this.store.containers.get(a.container_id) : undefined;
        holders.push({
          user: c?.owner_name ?? String(a.owner_uid),
          containerId: a.container_id,
          slot: s.uuid,
        });
        if (!drained) continue;
        this.audit.byUser(
          caller,
          'gpu.drained_in_use',
          { subjectUid: a.owner_uid, containerId: a.container_id, containerName: c?.name ?? null },
          `an admin drained the GPU slot your container holds (${reason}); it keeps the slot for now, but once released the slot will not be handed out until undrained`,
          { slot: s.uuid },
          now,
        );
      }
      this.audit.byUser(
        caller,
        drained ? 'gpu.drained' : 'gpu.undrained',
        { subjectUid: null },
        reason,
        { ref, slots: slots.map((s) => s.uuid) },
        now,
      );
      return { slots: slots.map((s) => s.uuid), drained, holders };
    });
    if (!drained) this.leases.notifyCapacityFreed();
    return result;
  }

  forceRelease(caller: Caller, ref: string, reason: string): GpuReleaseResult {
    const slots = this.resolve(ref);
    if (slots.length !== 1) {
      throw new Ds01Error(
        'BAD_REQUEST',
        `"${ref}" is a whole GPU with ${slots.length} slots`,
        'release one slot at a time: give its UUID (see `ds01 gpu list`)',
      );
    }
    const slot = slots[0] as SlotRow;
    const out = this.store.tx(() => {
      const a = this.store.allocations.liveForSlot(slot.uuid);
      if (!a) return null;
      const c = a.container_id ? this.store.containers.get(a.container_id) : undefined;
      this.leases.releaseAllocation(
        a,
        'allocation.force_released',
        `released by admin ${caller.name}: ${reason}. The container was not stopped; it keeps running but no longer holds this slot`,
        { uid: caller.uid, name: caller.name },
      );
      return { user: c?.owner_name ?? String(a.owner_uid), containerId: a.container_id };
    });
    if (out) {
      this.leases.armHoldTimer();
      this.leases.notifyCapacityFreed();
    }
    return {
      slot: slot.uuid,
      released: out !== null,
      user: out?.user ?? null,
      containerId: out?.containerId ?? null,
      note: out
        ? 'the slot is free for others now; its container was NOT stopped and keeps running, without a claim to the slot (stop or retire it if it must not use the GPU)'
        : 'the slot was not allocated; nothing to release',
    };
  }

  async refresh(caller: Caller): Promise<GpuList> {
    const inv = await this.inventory.refresh(caller.name);
    if (!inv) {
      throw new Ds01Error(
        'UNAVAILABLE',
        `the GPU probe failed: ${this.inventory.lastError ?? 'unknown error'}`,
        'check the driver with `nvidia-smi`; the last good inventory is kept',
      );
    }
    return this.list(caller);
  }
}

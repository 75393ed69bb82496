// Advance booking requests: book (checked against the group's booking policy and the calendar inside one
// BEGIN IMMEDIATE transaction), list (own; `all`: everyone's calendar, others anonymous unless the asker is
// an admin), cancel (owner or admin), and what is free at a future time. The allocator honours bookings by
// itself (gpu-leases reads the calendar); the timer in booking-timer.ts acts at starts, no-shows and ends.
import type {
  AvailabilityAt,
  BookingCreateRequest,
  BookingList,
  BookingView,
} from '../api/types/bookings.js';
import { checkBooking } from '../booking/rules.js';
import { bookingPolicyFor } from '../booking/types.js';
import type { Clock } from '../clock.js';
import { localWhen } from '../common/when.js';
import { Ds01Error, notFound } from '../errors.js';
import type { AllocatableSlot } from '../gpu/allocator.js';
import type { Caller } from '../identity/caller.js';
import { resolveLimits } from '../policy/resolve.js';
import { type Audit, auditLog } from '../store/audit.js';
import type { Booking } from '../store/bookings.js';
import type { Store } from '../store/index.js';
import type { MigChangeRow } from '../store/mig-changes.js';
import type { SlotRow } from '../store/slots.js';
import { toAllocatable } from './gpu-leases.js';
import type { PolicyService } from './policy.js';

/** Own bookings that ended this long ago are still listed (so a no-show or a cancel can be seen). */
const SHOW_ENDED_MS = 24 * 3_600_000;

export interface BookingDeps {
  store: Store;
  policy: PolicyService;
  clock: Clock;
  /** Every form `ds01 gpu list` shows → slots (admins' `--slot`). */
  resolveSlots: (ref: string) => SlotRow[];
  /** The calendar changed: re-arm the timer, re-decide containers on these slots, serve the queue. */
  changed: (slots: readonly string[]) => void;
}

export class BookingService {
  private readonly audit: Audit;

  constructor(private readonly d: BookingDeps) {
    this.audit = auditLog(d.store.events, () => d.clock.now());
  }

  private policyFor(caller: Caller, now: number) {
    const policy = this.d.policy.current();
    const resolved = resolveLimits(policy, caller, new Date(now));
    return { limits: resolved.limits, booking: bookingPolicyFor(policy, resolved.group) };
  }

  create(caller: Caller, req: BookingCreateRequest): BookingView {
    const now = this.d.clock.now();
    const { limits, booking } = this.policyFor(caller, now);
    if (req.slots && !caller.admin)
      throw new Ds01Error(
        'FORBIDDEN',
        'Only admins may book named slots.',
        'Book by shape: --gpus N or --mig PROFILE.',
      );
    const named = req.slots
      ? [...new Set(req.slots.flatMap((ref) => this.d.resolveSlots(ref).map((s) => s.uuid)))]
      : null;
    const from = req.from;
    const to = req.from + req.lengthMs;
    const id = this.d.store.tx(() => {
      const slots = this.d.store.slots.all();
      const changing = new Map(this.d.store.migChanges.open().map((c) => [c.gpu_uuid, c]));
      refuseSlotsUnderMigChange(named, slots, changing);
      const check = checkBooking({
        now,
        ownerUid: caller.uid,
        from,
        to,
        shape: {
          count: named?.length ?? req.gpus ?? 1,
          profile: req.mig ?? null,
          wholeGpu: req.wholeGpu ?? false,
          slotUuids: named,
        },
        admin: caller.admin,
        maintenance: req.maintenance ?? false,
        policy: booking,
        limits,
        slots: slots.filter((s) => !changing.has(gpuOf(s))).map(asBookable),
        bookings: this.d.store.bookings.windows(now),
        when: localWhen,
      });
      if (!check.ok) throw new Ds01Error(check.code, check.message, check.hint);
      const profiles = new Set(check.slots.map((u) => slotProfile(slots.find((s) => s.uuid === u))));
      const bookingId = this.d.store.bookings.insert({
        owner_uid: caller.uid,
        owner_name: caller.name,
        from_ms: from,
        to_ms: to,
        profile: profiles.size === 1 ? ([...profiles][0] as string) : 'mixed',
        maintenance: req.maintenance ?? false,
        note: req.note?.trim() || null,
        grace_ms: booking.noShowGraceMs,
        created_at: now,
        created_by: caller.name,
        slots: check.slots,
      });
      this.audit.byUser(
        caller,
        'booking.created',
        { subjectUid: caller.uid },
        `${req.maintenance ? 'maintenance booking' : 'booked'} ${check.slots.length} GPU slot(s) from ${localWhen(from)} to ${localWhen(to)}`,
        { booking: bookingId, slots: check.slots, from, to, maintenance: req.maintenance ?? false },
        now,
      );
      return bookingId;
    });
    const made = this.d.store.bookings.get(id) as Booking;
    this.d.changed(made.slots);
    return this.view(made, caller, now);
  }

  list(caller: Caller, all: boolean): BookingList {
    const now = this.d.clock.now();
    const own = this.d.store.bookings.between(
      now - SHOW_ENDED_MS,
      Number.MAX_SAFE_INTEGER,
      caller.admin && all ? undefined : caller.uid,
    );
    const others =
      all && !caller.admin ? this.d.store.bookings.live(now).filter((b) => b.owner_uid !== caller.uid) : [];
    const rows = [...own, ...others].sort((a, b) => a.from_ms - b.from_ms || a.id - b.id);
    const p = caller.admin ? null : this.policyFor(caller, now).booking;
    return {
      bookings: rows.map((b) => this.view(b, caller, now)),
      policy: p && { ...p, profiles: p.profiles ? [...p.profiles] : null },
    };
  }

  cancel(caller: Caller, id: number, reason?: string): BookingView {
    const now = this.d.clock.now();
    const b = this.d.store.bookings.get(id);
    if (!b) throw notFound(`no booking ${id}`, 'see `ds01 book list`');
    if (b.owner_uid !== caller.uid && !caller.admin)
      throw new Ds01Error('FORBIDDEN', `booking ${id} is not yours`, 'see `ds01 book list` for yours');
    // Reaching the desired state is success: an ended booking has nothing left to cancel.
    if (b.state === 'cancelled' || b.state === 'no_show' || b.to_ms <= now) return this.view(b, caller, now);
    const why =
      reason?.trim() ||
      (b.owner_uid === caller.uid ? 'cancelled by its booker' : `cancelled by admin ${caller.name}`);
    this.d.store.tx(() => {
      if (!this.d.store.bookings.end(id, 'cancelled', now, why)) return;
      this.audit.byUser(
        caller,
        'booking.cancelled',
        { subjectUid: b.owner_uid },
        `booking ${id} ${why}`,
        { booking: id, slots: b.slots },
        now,
      );
    });
    this.d.changed(b.slots);
    return this.view(this.d.store.bookings.get(id) as Booking, caller, now);
  }

  /** Per kind of slot: what is booked at `at`, and what is in use now. */
  availabilityAt(caller: Caller, at: number): AvailabilityAt {
    const now = this.d.clock.now();
    const windows = this.d.store.bookings.windows(Math.min(now, at));
    const live = new Set(this.d.store.allocations.live().map((a) => a.slot_uuid));
    const groups = new Map<string, AvailabilityAt['profiles'][number]>();
    for (const s of this.d.store.slots.all()) {
      if (s.state === 'missing') continue;
      const key = slotProfile(s);
      const g = groups.get(key) ?? {
        profile: key,
        total: 0,
        bookable: 0,
        bookedByYou: 0,
        bookedByOthers: 0,
        inUseNow: 0,
      };
      groups.set(key, g);
      g.total++;
      const b = windows.find((w) => w.slots.includes(s.uuid) && w.from <= at && at < w.to);
      if (b && b.ownerUid === caller.uid && !b.maintenance) g.bookedByYou++;
      else if (b) g.bookedByOthers++;
      else if (s.state === 'available') {
        g.bookable++;
        if (live.has(s.uuid)) g.inUseNow++;
      }
    }
    return {
      at: new Date(at).toISOString(),
      profiles: [...groups.values()].sort((a, b) => a.profile.localeCompare(b.profile)),
    };
  }

  view(b: Booking, caller: Caller, now: number): BookingView {
    const mine = b.owner_uid === caller.uid;
    const seen = mine || caller.admin;
    const slots = b.slots.map((u) => this.d.store.slots.get(u));
    return {
      id: b.id,
      owner: seen ? b.owner_name : b.maintenance ? 'maintenance' : null,
      mine,
      maintenance: b.maintenance === 1,
      from: new Date(b.from_ms).toISOString(),
      to: new Date(b.to_ms).toISOString(),
      phase: b.to_ms <= now || b.ended_at !== null ? 'ended' : b.from_ms <= now ? 'active' : 'upcoming',
      state: b.state,
      profile: b.profile,
      slots: b.slots.map((uuid, i) => ({
        uuid,
        gpuIndex: slots[i]?.gpu_index ?? null,
        profile: slots[i] ? slotProfile(slots[i]) : null,
      })),
      gpuEquivalents: Math.round(slots.reduce((n, s) => n + (s?.gpu_equivalents ?? 0), 0) * 1000) / 1000,
      note: seen ? b.note : null,
      createdAt: new Date(b.created_at).toISOString(),
      usedAt: b.used_at === null ? null : new Date(b.used_at).toISOString(),
      endReason: seen ? b.end_reason : null,
      releaseIfUnusedAt:
        b.state === 'booked' && !b.maintenance ? new Date(b.from_ms + b.grace_ms).toISOString() : null,
    };
  }
}

export function slotProfile(s: Pick<SlotRow, 'kind' | 'profile'> | undefined): string {
  if (!s) return 'unknown';
  return s.kind === 'full' ? 'full' : (s.profile ?? 'mig');
}

/** The GPU a slot lives on: a MIG slot's parent, or the whole GPU itself. */
const gpuOf = (s: SlotRow): string => s.parent_uuid ?? s.uuid;

/**
 * A slot as booking reads it. A GPU drained for its health is not bookable by users (a failing GPU rarely
 * mends itself by the booked hour); use outside ds01 is, since it is usually gone by then.
 */
function asBookable(s: SlotRow): AllocatableSlot {
  const slot = toAllocatable(s);
  return s.state === 'available' && s.health_blocks === 1 ? { ...slot, state: 'drained' } : slot;
}

/**
 * Named slots on a GPU whose MIG layout is being changed are refused: their UUIDs will not exist after the
 * change, so the booking would hold nothing. (Shape bookings simply skip those GPUs.)
 */
function refuseSlotsUnderMigChange(
  named: readonly string[] | null,
  slots: readonly SlotRow[],
  changing: ReadonlyMap<string, MigChangeRow>,
): void {
  for (const uuid of named ?? []) {
    const slot = slots.find((s) => s.uuid === uuid);
    const change = slot && changing.get(gpuOf(slot));
    if (change)
      throw new Ds01Error(
        'CONFLICT',
        `Slot ${uuid} is on GPU ${change.gpu_index}, whose MIG layout is being changed (change ${change.id}, ${change.state}); its slots will be replaced.`,
        'Book after the change is done (`ds01 admin mig status`), or book by shape: --gpus N or --mig PROFILE.',
      );
  }
}

// The booking calendar acted on in time. One timer at the next moment that matters (a booking's start,
// the end of its no-show grace, its end), re-armed on every change and at start-up, so a restart neither
// loses nor repeats anything that matters:
//   - at a start, holds of others on its slots are released (a stopped container does not keep a booked
//     slot) and their running containers are re-decided (the lifecycle stops them: booking deadline);
//   - an unused booking is released after its grace (no_show), and the queue is served;
//   - at an end, the slots are anyone's again: the queue is served.
import type { Clock } from '../clock.js';
import { localWhen } from '../common/when.js';
import type { Logger } from '../log.js';
import { type Audit, auditLog, DAEMON } from '../store/audit.js';
import type { Booking } from '../store/bookings.js';
import type { Store } from '../store/index.js';
import type { GpuLeases } from './gpu-leases.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

export interface BookingTimerDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  leases: Pick<GpuLeases, 'releaseAllocation' | 'notifyCapacityFreed' | 'armHoldTimer'>;
  /** Decide again for one container now (the lifecycle's exact path). */
  reconcile: (containerId: string) => void;
  /** A notice (next ds01 command, login) and a line on the user's terminals. */
  tell: (user: { uid: number; name: string }, text: string) => void;
}

export class BookingTimer {
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  private readonly audit: Audit;

  constructor(private readonly d: BookingTimerDeps) {
    this.audit = auditLog(d.store.events, () => d.clock.now());
  }

  start(): void {
    this.started = true;
    this.tick();
  }

  stop(): void {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The calendar changed (a booking made or cancelled): containers on these slots get a new deadline. */
  changed(slots: readonly string[]): void {
    for (const id of this.containersOn(slots)) this.d.reconcile(id);
    this.tick();
  }

  /** Containers holding any of these slots now. */
  private containersOn(slots: readonly string[]): string[] {
    const set = new Set(slots);
    const ids = this.d.store.allocations
      .live()
      .filter((a) => set.has(a.slot_uuid) && a.container_id !== null)
      .map((a) => a.container_id as string);
    return [...new Set(ids)];
  }

  /** Act on everything due now, then arm the timer for the next moment. */
  tick(): void {
    if (!this.started || !this.d.store.isOpen) return;
    try {
      const now = this.d.clock.now();
      const due = this.d.store.bookings.live(now).filter((b) => b.from_ms <= now);
      const told: { b: Booking; text: string }[] = [];
      this.d.store.tx(() => {
        for (const b of due) {
          this.releaseHoldsOn(b, now);
          if (b.state === 'booked' && this.bookerHolds(b)) {
            // Deployed on its own slot before the window began: that is using it.
            this.d.store.bookings.markUsed(b.id, now);
            this.audit.byDaemon(
              'booking.used',
              { subjectUid: b.owner_uid },
              `booking ${b.id} is in use: its booker holds its slot`,
              { booking: b.id },
              now,
            );
            continue;
          }
          if (b.state === 'booked' && !b.maintenance && now >= b.from_ms + b.grace_ms) {
            const why = `not used within ${Math.round(b.grace_ms / 60_000)} min of its start (${localWhen(b.from_ms)}); released for others`;
            if (!this.d.store.bookings.end(b.id, 'no_show', now, why)) continue;
            this.audit.byDaemon(
              'booking.no_show',
              { subjectUid: b.owner_uid },
              `booking ${b.id} ${why}`,
              { booking: b.id, slots: b.slots },
              now,
            );
            told.push({ b, text: `ds01: your booking ${b.id} was ${why}.` });
          }
        }
      });
      for (const t of told) this.d.tell({ uid: t.b.owner_uid, name: t.b.owner_name }, t.text);
      // Others' running containers on slots whose window has begun: the lifecycle stops them now.
      for (const b of due) {
        for (const id of this.containersOn(b.slots)) {
          const owner = this.d.store.containers.get(id)?.owner_uid;
          if (owner !== b.owner_uid || b.maintenance) this.d.reconcile(id);
        }
      }
      this.d.leases.armHoldTimer();
      // A start, a no-show or an end may each let the queue go on; a pass is cheap.
      this.d.leases.notifyCapacityFreed();
      this.arm(now);
    } catch (err) {
      this.d.log.error('booking timer failed', { err: String(err) });
    }
  }

  private bookerHolds(b: Booking): boolean {
    if (b.maintenance) return false;
    return this.d.store.allocations.liveForOwner(b.owner_uid).some((a) => b.slots.includes(a.slot_uuid));
  }

  private releaseHoldsOn(b: Booking, now: number): void {
    for (const a of this.d.store.allocations.live()) {
      if (a.state !== 'held' || !b.slots.includes(a.slot_uuid)) continue;
      if (a.owner_uid === b.owner_uid && !b.maintenance) continue;
      this.d.leases.releaseAllocation(
        a,
        'allocation.released',
        `held after its container stopped; released at ${localWhen(now)} because the slot is booked from ${localWhen(b.from_ms)}`,
        DAEMON,
      );
    }
  }

  private arm(now: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const moments = this.d.store.bookings
      .live(now)
      .flatMap((b) => [
        b.from_ms,
        b.to_ms,
        ...(b.state === 'booked' && !b.maintenance ? [b.from_ms + b.grace_ms] : []),
      ])
      .filter((t) => t > now);
    if (!moments.length) return;
    const delay = Math.min(Math.min(...moments) - now, MAX_TIMER_MS);
    this.timer = setTimeout(() => this.tick(), Math.max(0, delay));
    this.timer.unref();
  }
}

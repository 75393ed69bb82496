// Advance booking, wired: the booking service and its timer, and the routes over them. Part of the
// composition root (main.ts calls this once, with the services it has made).

import type { Route } from '../api/router.js';
import { bookingRoutes } from '../api/routes/bookings.js';
import type { Clock } from '../clock.js';
import type { LifecycleEngine } from '../lifecycle/engine.js';
import { writeToTerminals } from '../lifecycle/terminals.js';
import type { Logger } from '../log.js';
import { BookingTimer } from '../services/booking-timer.js';
import { BookingService } from '../services/bookings.js';
import type { GpuAdmin } from '../services/gpu-admin.js';
import type { GpuLeases } from '../services/gpu-leases.js';
import type { PolicyService } from '../services/policy.js';
import type { Store } from '../store/index.js';

export interface BookingWiring {
  store: Store;
  policy: PolicyService;
  clock: Clock;
  log: Logger;
  leases: GpuLeases;
  lifecycle: Pick<LifecycleEngine, 'reconcileOne'>;
  gpuAdmin: Pick<GpuAdmin, 'resolve'>;
}

/** Makes the booking service, starts its timer (unref'd; it stops acting once the store is closed). */
export function startBookings(w: BookingWiring): { service: BookingService; routes: Route[] } {
  const timer = new BookingTimer({
    store: w.store,
    clock: w.clock,
    log: w.log,
    leases: w.leases,
    reconcile: (id) => {
      w.lifecycle
        .reconcileOne(id)
        .catch((err) => w.log.warn('booking: re-decide failed', { id, err: String(err) }));
    },
    tell: (user, text) => {
      try {
        w.store.tx(() =>
          w.store.notices.add({
            uid: user.uid,
            container_id: null,
            container_name: null,
            kind: 'action',
            deadline_key: null,
            point_ms: null,
            deadline_at: null,
            message: text.replace(/^ds01: /, ''),
            created_at: w.clock.now(),
          }),
        );
        writeToTerminals(user, text);
      } catch (err) {
        w.log.warn('booking: could not tell the booker', { uid: user.uid, err: String(err) });
      }
    },
  });
  const service = new BookingService({
    store: w.store,
    policy: w.policy,
    clock: w.clock,
    resolveSlots: (ref) => w.gpuAdmin.resolve(ref),
    changed: (slots) => timer.changed(slots),
  });
  // After start-up has settled (sync reconciled, timers armed); a restart then acts on whatever is due.
  setTimeout(() => timer.start(), 1000).unref();
  return { service, routes: bookingRoutes(service) };
}

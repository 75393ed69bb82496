// Wiring for notifications: the notifier (routes every event into the outbox and delivers it), the
// `daemon.started` event admins' channels hear, the state-disk watch (host.disk_low on crossing 90%), and
// its routes. main.ts calls this once.

import { statfs } from 'node:fs/promises';
import type { Route } from '../api/router.js';
import { notifyRoutes } from '../api/routes/notify.js';
import type { Clock } from '../clock.js';
import { VERSION } from '../common/version.js';
import type { AccountLookup } from '../identity/nss.js';
import type { Logger } from '../log.js';
import type { MetricsCounters } from '../metrics/counters.js';
import { diskAlert } from '../notify/disk.js';
import { Notifier } from '../services/notifier.js';
import type { PolicyService } from '../services/policy.js';
import type { Settings } from '../settings.js';
import { auditLog } from '../store/audit.js';
import type { Store } from '../store/index.js';

export interface NotifyWiring {
  notifier: Notifier;
  routes: Route[];
}

export function startNotifications(d: {
  settings: Settings;
  store: Store;
  policy: Pick<PolicyService, 'current'>;
  accounts: AccountLookup;
  clock: Clock;
  log: Logger;
  metrics: { counters: MetricsCounters };
}): NotifyWiring {
  const notifier = new Notifier({
    store: d.store,
    policy: () => d.policy.current(),
    accounts: d.accounts,
    clock: d.clock,
    log: d.log,
    counters: d.metrics.counters,
    options: {
      queueMax: d.settings.notifyQueueMax,
      retryBaseMs: d.settings.notifyRetryBaseMs,
      maxAttempts: d.settings.notifyMaxAttempts,
      timeoutMs: 10_000,
      concurrency: 4,
    },
  });
  notifier.start();
  auditLog(d.store.events, d.clock.now).byDaemon(
    'daemon.started',
    { subjectUid: null },
    `ds01d ${VERSION} started`,
    {
      version: VERSION,
      pid: process.pid,
    },
  );
  watchStateDisk(d.settings.stateDir, d.store, d.clock, d.log);
  return { notifier, routes: notifyRoutes(notifier) };
}

/** Every 10 minutes: the state directory's disk, a host.disk_low event (admins' `disk` channels) on crossing. */
function watchStateDisk(stateDir: string, store: Store, clock: Clock, log: Logger): void {
  let alerted = false;
  const audit = auditLog(store.events, clock.now);
  const check = async () => {
    try {
      const s = await statfs(stateDir);
      const usedPct = s.blocks > 0 ? Math.round(((s.blocks - s.bavail) / s.blocks) * 1000) / 10 : 0;
      const r = diskAlert(usedPct, alerted);
      alerted = r.alerted;
      if (r.alert && store.isOpen)
        audit.byDaemon(
          'host.disk_low',
          { subjectUid: null },
          `the disk of ${stateDir} is ${usedPct}% full: when it is full the database stops taking writes`,
          { path: stateDir, usedPct },
        );
    } catch (err) {
      log.warn('cannot read the state directory disk', { error: String(err) });
    }
  };
  void check();
  setInterval(check, 10 * 60_000).unref();
}

// Wiring for notifications: the notifier (routes every event into the outbox and delivers it), the
// `daemon.started` event admins' channels hear, and its routes. main.ts calls this once.
import type { Route } from '../api/router.js';
import { notifyRoutes } from '../api/routes/notify.js';
import type { Clock } from '../clock.js';
import { VERSION } from '../common/version.js';
import type { AccountLookup } from '../identity/nss.js';
import type { Logger } from '../log.js';
import type { MetricsCounters } from '../metrics/counters.js';
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
  return { notifier, routes: notifyRoutes(notifier) };
}

// Storage quotas, wired: the quota service, its scan schedule, its route, and the gate in front of every route
// that makes something new on disk (a deploy, a create, a build, a job). Part of the composition root.
import type { Route } from '../api/router.js';
import { quotaRoutes } from '../api/routes/quota.js';
import type { Clock } from '../clock.js';
import type { DockerClient } from '../docker/client.js';
import type { AccountLookup } from '../identity/nss.js';
import { writeToTerminals } from '../lifecycle/terminals.js';
import type { Logger } from '../log.js';
import type { PolicyService } from '../services/policy.js';
import { QuotaService } from '../services/quota.js';
import { scanWorkspace } from '../services/workspace-size.js';
import type { Settings } from '../settings.js';
import type { Audit } from '../store/audit.js';
import type { Store } from '../store/index.js';

/** The routes refused over a hard storage limit, with the command a user knows them by. */
export const GATED_ROUTES: Readonly<Record<string, string>> = {
  'POST /v1/containers': 'container-create',
  'POST /v1/containers/deploy': 'container-deploy',
  'POST /v1/images/build': 'image build',
  'POST /v1/jobs': 'job submit',
};

export interface QuotaWiring {
  settings: Pick<Settings, 'quotaScanIntervalSec'>;
  store: Store;
  policy: PolicyService;
  accounts: AccountLookup;
  clock: Clock;
  log: Logger;
  audit: Audit;
  docker: Pick<DockerClient, 'listImages' | 'inspectImage'>;
}

export function startQuota(w: QuotaWiring) {
  const service = new QuotaService({
    ...w,
    scanWorkspace,
    tellTerminals: (user, text) => writeToTerminals(user, text),
  });
  service.start(w.settings.quotaScanIntervalSec * 1000);
  return {
    service,
    routes: quotaRoutes(service),
    /** Puts the gate in front of each GATED_ROUTES entry of the router's table (in place, before it serves);
     * a gated route missing is a start-up error, so a renamed route cannot slip past the quota. */
    gate(routes: readonly Route[]): void {
      const seen = new Set<string>();
      for (const r of routes) {
        const action = GATED_ROUTES[`${r.method} ${r.path}`];
        if (action === undefined) continue;
        seen.add(`${r.method} ${r.path}`);
        const handler = r.handler;
        r.handler = (ctx) => {
          service.check(ctx.caller, action);
          return handler(ctx);
        };
      }
      const missing = Object.keys(GATED_ROUTES).filter((k) => !seen.has(k));
      if (missing.length) throw new Error(`storage quota gate: no route ${missing.join(', ')} (renamed?)`);
    },
  };
}

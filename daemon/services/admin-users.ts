// `ds01 admin users`: who has what (containers, slots, queue places) and when each user was last active.
import type { UserReportRow } from '../api/types/admin.js';
import type { AccountLookup } from '../identity/nss.js';
import { resolveGroup } from '../policy/resolve.js';
import type { Store } from '../store/index.js';
import type { ReportQueries } from '../store/reports.js';
import type { PolicyService } from './policy.js';

export class UsersReport {
  private readonly q: ReportQueries;

  constructor(
    private readonly store: Store,
    private readonly policy: PolicyService,
    private readonly accounts: AccountLookup,
  ) {
    this.q = store.reports;
  }

  async rows(): Promise<UserReportRow[]> {
    const containers = this.store.containers.live();
    const live = this.store.allocations.live();
    const waiting = this.store.queue.waiting();
    const activity = this.q.lastActivity();
    const uids = new Set([
      ...containers.map((c) => c.owner_uid),
      ...live.map((a) => a.owner_uid),
      ...waiting.map((q) => q.owner_uid),
      ...[...activity.keys()].filter((uid) => uid !== 0),
    ]);
    const policy = this.policy.current();
    const out: UserReportRow[] = [];
    for (const uid of uids) {
      const acct = await this.accounts.byUid(uid).catch(() => null);
      const mine = containers.filter((c) => c.owner_uid === uid);
      const name =
        acct?.name ??
        mine[0]?.owner_name ??
        waiting.find((q) => q.owner_uid === uid)?.owner_name ??
        String(uid);
      const slots = live.filter((a) => a.owner_uid === uid);
      const last = activity.get(uid);
      out.push({
        user: name,
        uid,
        group: resolveGroup(policy, { name, groups: acct?.groups ?? [] }).group,
        containers: mine.length,
        running: mine.filter((c) => c.state === 'running').length,
        slots: slots.length,
        gpuEquivalents:
          Math.round(
            slots.reduce((s, a) => s + (this.store.slots.get(a.slot_uuid)?.gpu_equivalents ?? 0), 0) * 1000,
          ) / 1000,
        held: slots.filter((a) => a.state === 'held').length,
        queued: waiting.filter((q) => q.owner_uid === uid).length,
        lastActivity: last ? new Date(last.ts).toISOString() : null,
        lastActivityKind: last?.kind ?? null,
      });
    }
    return out.sort(
      (a, b) =>
        b.gpuEquivalents - a.gpuEquivalents || b.containers - a.containers || a.user.localeCompare(b.user),
    );
  }
}

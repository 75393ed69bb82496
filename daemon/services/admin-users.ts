// `ds01 admin users`: who has what (containers, slots, queue places) and when each user was last active.
import type { UserReportRow } from '../api/types/admin.js';
import { badRequest } from '../errors.js';
import type { AccountLookup } from '../identity/nss.js';
import { resolveGroup } from '../policy/resolve.js';
import type { Store } from '../store/index.js';
import type { ReportQueries } from '../store/reports.js';
import type { PolicyService } from './policy.js';
import { parseWhen } from './usage.js';
import { workspaceBytes } from './workspace-size.js';

/** Accounts of people, not services: the usual range of UID_MIN..UID_MAX (login.defs), nobody excluded. */
const HUMAN_UIDS = { min: 1000, max: 59_999 };

export class UsersReport {
  private readonly q: ReportQueries;

  constructor(
    private readonly store: Store,
    private readonly policy: PolicyService,
    private readonly accounts: AccountLookup,
    private readonly sizeOf: (home: string) => Promise<number | null> = workspaceBytes,
    private readonly now: () => number = Date.now,
  ) {
    this.q = store.reports;
  }

  /**
   * Accounts with no ds01 activity since `age` ago (a duration: 90d) or ever: the users ds01 knows, and
   * the people NSS lists (uid 1000–59999), each with the size of their ~/workspace, largest first.
   */
  async inactive(age: string): Promise<UserReportRow[]> {
    if (!/^\d+(\.\d+)?[mhdw]$/.test(age.trim()))
      throw badRequest(`--inactive "${age}" is not a duration`, 'give how long ago, e.g. --inactive 90d');
    const now = this.now();
    const cutoff = parseWhen(age, 'inactive', now, now);
    const known = await this.rows();
    const seen = new Set(known.map((r) => r.uid));
    const policy = this.policy.current();
    const listed = (await this.accounts.list?.().catch(() => [])) ?? [];
    const others: UserReportRow[] = listed
      .filter((a) => a.uid >= HUMAN_UIDS.min && a.uid <= HUMAN_UIDS.max && !seen.has(a.uid))
      .map((a) => ({
        user: a.name,
        uid: a.uid,
        group: resolveGroup(policy, { name: a.name, groups: [] }).group,
        containers: 0,
        running: 0,
        slots: 0,
        gpuEquivalents: 0,
        held: 0,
        queued: 0,
        lastActivity: null,
        lastActivityKind: null,
      }));
    const quiet = [...known, ...others].filter(
      (r) =>
        r.uid !== 0 &&
        r.running === 0 &&
        r.slots === 0 &&
        r.queued === 0 &&
        (r.lastActivity === null || Date.parse(r.lastActivity) < cutoff),
    );
    const homes = new Map(listed.map((a) => [a.uid, a.home]));
    for (const r of quiet) {
      const home = homes.get(r.uid) ?? (await this.accounts.byUid(r.uid).catch(() => null))?.home;
      r.workspaceBytes = home ? await this.sizeOf(home) : null;
    }
    return quiet.sort(
      (a, b) => (b.workspaceBytes ?? -1) - (a.workspaceBytes ?? -1) || a.user.localeCompare(b.user),
    );
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

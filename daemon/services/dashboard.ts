// One snapshot for `ds01-dashboard`: GpuAdmin's slot views (with its holder visibility rule), the live
// inventory, the queue, usage against quota and recent events. Reuses those services; decides nothing.
import { hostname } from 'node:os';
import type { DashboardBooking, DashboardData, DashboardStorage } from '../api/types/dashboard.js';
import type { Clock } from '../clock.js';
import { VERSION } from '../common/version.js';
import { buildDashboard, type DashboardInput, type DashboardJob } from '../dashboard/build.js';
import type { Caller } from '../identity/caller.js';
import type { AccountLookup } from '../identity/nss.js';
import { resolveLimits } from '../policy/resolve.js';
import { levelOf, quotaOf } from '../quota/levels.js';
import type { Store } from '../store/index.js';
import type { EventsService } from './events.js';
import type { GpuAdmin } from './gpu-admin.js';
import type { GpuInventoryService } from './gpu-inventory.js';
import type { GpuQueue } from './gpu-queue.js';
import type { HostService } from './host.js';
import type { PolicyService } from './policy.js';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export class DashboardService {
  constructor(
    private readonly store: Store,
    private readonly inventory: GpuInventoryService,
    private readonly gpus: Pick<GpuAdmin, 'list' | 'availability'>,
    private readonly queue: Pick<GpuQueue, 'list'>,
    private readonly events: Pick<EventsService, 'list'>,
    private readonly policy: PolicyService,
    private readonly accounts: AccountLookup,
    private readonly clock: Clock,
    private readonly host: Pick<HostService, 'resources'>,
  ) {}

  async snapshot(caller: Caller): Promise<DashboardData> {
    const [list, events, resources, avail] = await Promise.all([
      this.gpus.list(caller),
      this.events.list(caller, { limit: 12 }),
      this.host.resources(),
      this.gpus.availability(caller),
    ]);
    const now = this.clock.now();
    const waiting = this.store.queue.waiting();
    return buildDashboard({
      now,
      host: hostname(),
      version: VERSION,
      viewer: { name: caller.name, admin: caller.admin },
      inventory: this.inventory.last,
      lastProbeAt: iso(this.inventory.lastProbeAt),
      probeError: this.inventory.lastError,
      policyError: this.policy.lastError,
      resources,
      slots: list.slots,
      giBySlot: new Map(this.store.slots.all().map((s) => [s.uuid, s.gi])),
      queue: this.queue.list(caller).filter((q) => q.state === 'waiting'),
      queueLength: waiting.length,
      forYou: {
        canGet: avail.you.canGetNow,
        binding:
          avail.you.binding ??
          avail.profiles.find((p) => p.free > 0 && p.forYou.binding)?.forYou.binding ??
          null,
      },
      usage: await this.usage(caller, now),
      jobs: this.visibleJobs(caller),
      events,
      bookings: this.upcomingBookings(caller, now),
      storage: await this.storage(caller, now),
    });
  }

  /** The viewer's storage against each quota they have; admins: every user at or over a warning level. */
  private async storage(caller: Caller, now: number): Promise<DashboardStorage[]> {
    const policy = this.policy.current();
    const rows = this.store.storageUsage.all().filter((r) => caller.admin || r.uid === caller.uid);
    const out: DashboardStorage[] = [];
    for (const row of rows) {
      if (row.bytes === null) continue;
      const acct =
        row.uid === caller.uid
          ? { name: caller.name, groups: caller.groups }
          : await this.accounts.byUid(row.uid).catch(() => null);
      const r = resolveLimits(
        policy,
        { name: acct?.name ?? String(row.uid), groups: acct?.groups ?? [] },
        new Date(now),
      );
      const hard = row.kind === 'workspace' ? r.limits.storageWorkspaceBytes : r.limits.storageImagesBytes;
      const level = levelOf(row.bytes, quotaOf(hard, r.lifecycle.storageSoftThreshold));
      if (hard === null || level === null || (row.uid !== caller.uid && level === 'ok')) continue;
      out.push({
        user: acct?.name ?? String(row.uid),
        kind: row.kind,
        usedBytes: row.bytes,
        hardBytes: hard,
        level,
      });
    }
    return out.sort(
      (a, b) => b.usedBytes / b.hardBytes - a.usedBytes / a.hardBytes || a.user.localeCompare(b.user),
    );
  }

  /** Bookings in their window now or starting within a day; others anonymous for non-admins. */
  private upcomingBookings(caller: Caller, now: number): DashboardBooking[] {
    return this.store.bookings
      .live(now)
      .filter((b) => b.from_ms < now + 24 * 3_600_000)
      .map((b) => {
        const mine = b.owner_uid === caller.uid;
        const idx = b.slots.map((u) => this.store.slots.get(u)?.gpu_index).filter((i) => i !== undefined);
        return {
          id: b.id,
          owner: mine || caller.admin ? b.owner_name : null,
          mine,
          maintenance: b.maintenance === 1,
          profile: b.profile,
          slots: b.slots.length,
          gpuIndexes: [...new Set(idx)].sort((x, y) => x - y),
          from: new Date(b.from_ms).toISOString(),
          to: new Date(b.to_ms).toISOString(),
          active: b.from_ms <= now,
          state: b.state === 'used' ? 'used' : 'booked',
        };
      });
  }

  /** Active jobs: admins see everyone's, users their own. */
  private visibleJobs(caller: Caller): DashboardJob[] {
    return this.store.jobs
      .active()
      .filter((j) => caller.admin || j.owner_uid === caller.uid)
      .map((j) => ({ ownerUid: j.owner_uid, state: j.state }));
  }

  /** Admins: everyone holding a slot, a container or a queue place; users: themselves. */
  private async usage(caller: Caller, now: number): Promise<DashboardInput['usage'][number][]> {
    const live = this.store.allocations.live();
    const containers = this.store.containers.live();
    const waiting = this.store.queue.waiting();
    // A job waiting on --after has no queue place or container yet; its owner is still shown.
    const jobs = caller.admin ? this.store.jobs.active() : [];
    const uids = caller.admin
      ? new Set([
          ...live.map((a) => a.owner_uid),
          ...containers.map((c) => c.owner_uid),
          ...waiting.map((q) => q.owner_uid),
          ...jobs.map((j) => j.owner_uid),
        ])
      : new Set([caller.uid]);
    const policy = this.policy.current();
    const out: DashboardInput['usage'][number][] = [];
    for (const uid of uids) {
      const acct =
        uid === caller.uid
          ? { name: caller.name, groups: caller.groups }
          : await this.accounts.byUid(uid).catch(() => null);
      const name =
        acct?.name ??
        containers.find((c) => c.owner_uid === uid)?.owner_name ??
        jobs.find((j) => j.owner_uid === uid)?.owner_name ??
        String(uid);
      const r = resolveLimits(policy, { name, groups: acct?.groups ?? [], uid }, new Date(now));
      const mine = live.filter((a) => a.owner_uid === uid);
      const eq = mine.reduce((s, a) => s + (this.store.slots.get(a.slot_uuid)?.gpu_equivalents ?? 0), 0);
      const used = {
        slots: mine.length,
        containers: containers.filter((c) => c.owner_uid === uid).length,
        queued: waiting.filter((q) => q.owner_uid === uid).length,
      };
      const hasJobs = jobs.some((j) => j.owner_uid === uid);
      if (caller.admin && !used.slots && !used.containers && !used.queued && !hasJobs) continue;
      out.push({
        user: name,
        uid,
        group: r.group,
        slots: used.slots,
        maxSlots: r.limits.maxMigInstances,
        gpuEquivalents: Math.round(eq * 1000) / 1000,
        maxGpuEquivalents: r.limits.maxGpuEquivalents,
        containers: used.containers,
        maxContainers: r.limits.maxContainersPerUser,
        queued: used.queued,
      });
    }
    return out.sort((a, b) => b.gpuEquivalents - a.gpuEquivalents || a.user.localeCompare(b.user));
  }
}

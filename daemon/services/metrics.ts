// /metrics: the current state from the store (same tables and the same slot rule as the dashboard) plus
// the daemon's counters, plus the process and Node runtime metrics, as Prometheus text.
import { calendarNow } from '../booking/accounting.js';
import type { Clock } from '../clock.js';
import { VERSION } from '../common/version.js';
import type { Gpu } from '../gpu/types.js';
import { collectMetrics } from '../metrics/collect.js';
import { isSweepAction, MetricsCounters } from '../metrics/counters.js';
import { MetricsRegistry } from '../metrics/registry.js';
import type { Store } from '../store/index.js';
import type { ReportQueries } from '../store/reports.js';

export class MetricsService {
  readonly counters = new MetricsCounters();
  private readonly registry = new MetricsRegistry({ runtime: true });
  private readonly q: ReportQueries;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** The GPUs of the last probe (their health readings); none in unit tests. */
    private readonly gpus: () => readonly Gpu[] = () => [],
  ) {
    this.q = store.reports;
  }

  /** Seed the sweep-action tally from the audit log, then follow it. */
  start(): void {
    for (const r of this.q.automaticEventCounts())
      if (isSweepAction({ actorUid: null, actor: 'ds01d', kind: r.kind }))
        this.counters.sweepAction(r.kind, r.n);
    this.unsubscribe = this.store.events.subscribe((e) => {
      if (isSweepAction(e)) this.counters.sweepAction(e.kind);
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  private gpuHealth() {
    const conditions = new Map(this.store.gpuHealth.all().map((h) => [h.gpuUuid, h.findings]));
    return this.gpus().map((g) => ({
      index: g.index,
      uuid: g.uuid,
      name: g.name,
      readings: g.health ?? null,
      conditions: (conditions.get(g.uuid) ?? []).map((f) => f.severity),
    }));
  }

  render(): Promise<string> {
    const slots = this.store.slots.all();
    const live = this.store.allocations.live();
    const names = new Map<number, string>();
    for (const c of this.store.containers.live()) names.set(c.owner_uid, c.owner_name);
    for (const q of this.store.queue.waiting()) names.set(q.owner_uid, q.owner_name);
    const ownerName = (uid: number, containerId: string | null) =>
      (containerId ? this.store.containers.get(containerId)?.owner_name : undefined) ??
      names.get(uid) ??
      String(uid);
    return this.registry.render(
      collectMetrics({
        version: VERSION,
        now: this.clock.now(),
        slots: slots.map((s) => ({
          uuid: s.uuid,
          parentUuid: s.parent_uuid,
          gpuIndex: s.gpu_index,
          gpuName: s.gpu_name,
          kind: s.kind,
          profile: s.profile,
          gi: s.gi,
          gpuEquivalents: Math.round(s.gpu_equivalents * 1000) / 1000,
          state: s.state,
          unmanaged: s.unmanaged_json ? (JSON.parse(s.unmanaged_json) as { user: string }[]) : [],
        })),
        claims: live.map((a) => ({
          slotUuid: a.slot_uuid,
          user: ownerName(a.owner_uid, a.container_id),
          state: a.container_id === null ? 'reserved' : a.state === 'held' ? 'held' : 'active',
        })),
        queueWaiting: this.store.queue.waiting().map((q) => ({ enqueuedAt: q.enqueued_at })),
        queueServed: this.q.servedQueue(),
        apiRequests: this.counters.apiRows(),
        sweepActions: this.counters.sweepRows(),
        jobs: {
          byState: this.store.jobs.countByState(),
          gpuHoursByUser: this.store.jobs
            .gpuHoursByUser()
            .map((r) => ({ labels: { user: r.user }, value: Math.round(r.hours * 1e6) / 1e6 })),
        },
        policy: {
          reloads: this.counters.reloads,
          reloadFailures: this.counters.reloadFailures,
          lastReloadOk: this.counters.lastReloadOk,
        },
        notify: { ...this.counters.notify, queued: this.store.outbox.depth() },
        bookings: {
          ...calendarNow(this.store.bookings.windows(this.clock.now()), this.clock.now()),
          noShows: this.store.bookings.noShows(),
        },
        gpuHealth: this.gpuHealth(),
      }),
    );
  }
}

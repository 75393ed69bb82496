// In-memory counters the daemon bumps as things happen (API requests, policy reloads) and the sweep-action
// tally, seeded from the audit log so it survives restarts.

export const isSweepAction = (e: { actorUid: number | null; actor: string; kind: string }) =>
  e.actorUid === null &&
  e.actor === 'ds01d' &&
  (e.kind.startsWith('lifecycle.') || e.kind.startsWith('allocation.'));

export class MetricsCounters {
  private readonly requests = new Map<string, number>();
  private readonly sweep = new Map<string, number>();
  reloads = 0;
  reloadFailures = 0;
  lastReloadOk = true;
  /** Notifications since the daemon started (services/notifier.ts). */
  readonly notify = { sent: 0, failed: 0, retried: 0, dropped: 0 };

  request(method: string, route: string, status: number): void {
    const k = `${method}\u0000${route}\u0000${status}`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
  }

  sweepAction(kind: string, n = 1): void {
    this.sweep.set(kind, (this.sweep.get(kind) ?? 0) + n);
  }

  reloaded(ok: boolean): void {
    if (ok) this.reloads++;
    else this.reloadFailures++;
    this.lastReloadOk = ok;
  }

  apiRows() {
    return [...this.requests]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, value]) => {
        const [method = '', route = '', status = ''] = k.split('\u0000');
        return { labels: { method, route, status }, value };
      });
  }

  sweepRows() {
    return [...this.sweep]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([kind, value]) => ({ labels: { kind }, value }));
  }
}

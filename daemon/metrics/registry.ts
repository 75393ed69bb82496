// The /metrics exposition, written by prom-client from a registry of ds01's own (never the library's
// global one): ds01's families are filled from one snapshot of state per scrape (collect.ts stays pure),
// and prom-client adds the standard process and Node runtime metrics (resident memory, CPU, open file
// descriptors, event-loop lag, active handles, GC) that admins expect on every exporter.
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { MetricFamily } from './collect.js';

export const CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export class MetricsRegistry {
  private readonly registry = new Registry();
  private readonly metrics = new Map<string, Gauge | Counter>();

  /** `runtime: false` leaves out the process/Node metrics (unit tests that compare whole outputs). */
  constructor(opts: { runtime: boolean }) {
    if (opts.runtime) collectDefaultMetrics({ register: this.registry });
  }

  /** Replace every ds01 family's samples with this snapshot's, then render the whole registry. */
  async render(families: readonly MetricFamily[]): Promise<string> {
    for (const f of families) this.fill(f);
    // prom-client writes NaN as "Nan" (the event-loop percentiles before their first sample); the
    // format spells it "NaN", and stricter scrapers than Prometheus's ParseFloat reject anything else.
    return (await this.registry.metrics()).replace(/ Nan$/gm, ' NaN');
  }

  private fill(f: MetricFamily): void {
    let m = this.metrics.get(f.name);
    if (!m) {
      const def = { name: f.name, help: f.help, labelNames: f.labelNames, registers: [this.registry] };
      m = f.type === 'counter' ? new Counter(def) : new Gauge(def);
      this.metrics.set(f.name, m);
    }
    m.reset();
    // A snapshot holds a counter's running total, so it is set as one increment from zero.
    for (const s of f.samples) {
      if (m instanceof Counter && !(s.value >= 0)) throw new Error(`${f.name}: counter must be >= 0`);
      const labels = Object.fromEntries(Object.entries(s.labels ?? {}).map(([k, v]) => [k, String(v)]));
      if (m instanceof Counter) m.inc(labels, s.value);
      else m.set(labels, s.value);
    }
  }
}

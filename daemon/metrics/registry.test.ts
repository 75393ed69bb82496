import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sumWhere } from '../../testing/harness/prometheus.js';
import type { MetricFamily } from './collect.js';
import { MetricsRegistry } from './registry.js';

const fam = (over: Partial<MetricFamily> & Pick<MetricFamily, 'samples'>): MetricFamily => ({
  name: 'ds01_test',
  help: 'A test family',
  type: 'gauge',
  labelNames: ['user'],
  ...over,
});

describe('MetricsRegistry', () => {
  it('writes HELP and TYPE before the samples, escaping label values and HELP text', async () => {
    const r = new MetricsRegistry({ runtime: false });
    const text = await r.render([
      fam({
        help: 'line one\nback\\slash',
        samples: [{ labels: { user: 'bob "the\\builder"\nx' }, value: 2 }],
      }),
    ]);
    expect(text).toBe(
      '# HELP ds01_test line one\\nback\\\\slash\n# TYPE ds01_test gauge\nds01_test{user="bob \\"the\\\\builder\\"\\nx"} 2\n',
    );
    const m = parsePrometheusText(text);
    expect(m.get('ds01_test')?.samples[0]?.labels.user).toBe('bob "the\\builder"\nx');
    expect(m.get('ds01_test')?.help).toBe('line one\nback\\slash');
  });

  it('each scrape replaces the last one: series that went away are gone, counters show the running total', async () => {
    const r = new MetricsRegistry({ runtime: false });
    await r.render([fam({ samples: [{ labels: { user: 'a' }, value: 1 }] })]);
    const counter = fam({
      name: 'ds01_things_total',
      type: 'counter',
      labelNames: [],
      samples: [{ value: 5 }],
    });
    await r.render([counter]);
    const m = parsePrometheusText(
      await r.render([
        fam({ samples: [{ labels: { user: 'b' }, value: 3 }] }),
        { ...counter, samples: [{ value: 7 }] },
      ]),
    );
    expect(m.get('ds01_test')?.samples.map((s) => s.labels.user)).toEqual(['b']);
    expect(sumWhere(m, 'ds01_things_total')).toBe(7);
    expect(m.get('ds01_things_total')?.type).toBe('counter');
  });

  it('refuses a bad metric or label name and a negative counter', async () => {
    await expect(
      new MetricsRegistry({ runtime: false }).render([fam({ name: 'bad-name', samples: [] })]),
    ).rejects.toThrow();
    await expect(
      new MetricsRegistry({ runtime: false }).render([fam({ labelNames: ['bad-label'], samples: [] })]),
    ).rejects.toThrow();
    await expect(
      new MetricsRegistry({ runtime: false }).render([
        fam({ name: 'ds01_x_total', type: 'counter', labelNames: [], samples: [{ value: -1 }] }),
      ]),
    ).rejects.toThrow(/counter must be >= 0/);
  });

  it('adds the standard process and Node runtime metrics, and the output still parses strictly', async () => {
    const m = parsePrometheusText(
      await new MetricsRegistry({ runtime: true }).render([fam({ samples: [] })]),
    );
    expect(sumWhere(m, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(m.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
    expect(m.get('nodejs_active_handles_total')?.samples.length).toBe(1);
    expect(m.get('ds01_test')?.samples).toEqual([]);
  });

  it('writes NaN as the format spells it', async () => {
    const text = await new MetricsRegistry({ runtime: false }).render([
      fam({ labelNames: [], samples: [{ value: Number.NaN }] }),
    ]);
    expect(text).toMatch(/^ds01_test NaN$/m);
  });
});

// Issue 19: the shipped Grafana dashboards (config/grafana/*.json) match Grafana's dashboard model as
// far as ds01 uses it, and they and the Prometheus alert rules (config/prometheus/ds01-alerts.yaml) name
// only metrics that ds01d really exports — read from a test daemon's /metrics, not from a hand list —
// plus the few dcgm-exporter series they join on UUID / GPU_I_ID, and Prometheus's own `up`.
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { REPO, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { parsePrometheusText } from '../harness/prometheus.js';
import { labelValuesMetric, metricNames } from '../harness/promql.js';
import { isRoot } from '../harness/users.js';

/** dcgm-exporter's default series the per-GPU views join; anything else outside ds01 is an error. */
const EXTERNAL = new Set([
  'up',
  'DCGM_FI_DEV_GPU_UTIL',
  'DCGM_FI_DEV_FB_USED',
  'DCGM_FI_DEV_GPU_TEMP',
  'DCGM_FI_DEV_XID_ERRORS',
  'DCGM_FI_PROF_GR_ENGINE_ACTIVE',
]);

const int = z.number().int();
/** Every panel uses the dashboard's datasource variable, so an import asks which Prometheus to use. */
const DS_VAR = '$' + '{datasource}';
const datasource = z.strictObject({ type: z.literal('prometheus'), uid: z.literal(DS_VAR) });
const panel = z.strictObject({
  id: int.positive(),
  type: z.enum(['stat', 'timeseries', 'table', 'gauge', 'bargauge']),
  title: z.string().min(1),
  description: z.string().optional(),
  datasource,
  gridPos: z
    .strictObject({ x: int.min(0).max(23), y: int.min(0), w: int.min(1).max(24), h: int.min(1) })
    .refine((g) => g.x + g.w <= 24, 'a panel must fit the 24-column grid'),
  targets: z
    .array(
      z.strictObject({
        refId: z.string().regex(/^[A-Z]$/),
        expr: z.string().min(1),
        legendFormat: z.string(),
      }),
    )
    .min(1),
  fieldConfig: z.strictObject({
    defaults: z.strictObject({ unit: z.string().optional() }),
    overrides: z.array(z.unknown()),
  }),
  options: z.record(z.string(), z.unknown()),
});
const variable = z.union([
  z.strictObject({
    name: z.literal('datasource'),
    type: z.literal('datasource'),
    query: z.literal('prometheus'),
    label: z.string(),
  }),
  z.strictObject({
    name: z.string().regex(/^\w+$/),
    label: z.string(),
    type: z.literal('query'),
    datasource,
    query: z.strictObject({ query: z.string(), refId: z.string() }),
    definition: z.string(),
    refresh: z.literal(2),
    multi: z.boolean(),
    includeAll: z.boolean(),
    allValue: z.string(),
    sort: int,
  }),
]);
const dashboard = z.strictObject({
  uid: z.string().regex(/^[a-z0-9-]{1,40}$/),
  title: z.string().min(1),
  description: z.string(),
  tags: z.array(z.string()),
  schemaVersion: int.min(36),
  version: int,
  editable: z.boolean(),
  time: z.strictObject({ from: z.string(), to: z.string() }),
  refresh: z.string(),
  timezone: z.string(),
  templating: z.strictObject({ list: z.array(variable) }),
  annotations: z.strictObject({ list: z.array(z.unknown()) }),
  links: z.array(z.record(z.string(), z.unknown())),
  panels: z.array(panel).min(1),
});
const alertRules = z.strictObject({
  groups: z
    .array(
      z.strictObject({
        name: z.string(),
        rules: z
          .array(
            z.strictObject({
              alert: z.string().regex(/^Ds01\w+$/),
              expr: z.string().min(1),
              for: z.string().regex(/^\d+[smhd]$/),
              labels: z.strictObject({ severity: z.enum(['critical', 'warning', 'info']) }),
              annotations: z.strictObject({ summary: z.string(), description: z.string() }),
            }),
          )
          .min(1),
      }),
    )
    .min(1),
});

const GRAFANA = join(REPO, 'config/grafana');
const dashboards = readdirSync(GRAFANA)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, json: JSON.parse(readFileSync(join(GRAFANA, f), 'utf8')) as unknown }));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

describe('issue 19: Grafana dashboards and Prometheus alert rules', () => {
  it('ships overview, per-user and per-GPU dashboards that match the schema', () => {
    expect(dashboards.map((d) => d.file).sort()).toEqual([
      'ds01-overview.json',
      'ds01-per-gpu.json',
      'ds01-per-user.json',
    ]);
    for (const { file, json } of dashboards) {
      const d = dashboard.parse(json);
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size, `${file}: panel ids are unique`).toBe(ids.length);
      // Every $variable a query uses is defined (Grafana would leave it unreplaced).
      const defined = new Set(['__rate_interval', '__interval', ...d.templating.list.map((v) => v.name)]);
      for (const p of d.panels)
        for (const t of p.targets)
          for (const m of t.expr.matchAll(/\$\{?(\w+)\}?/g))
            expect(defined, `${file} ${p.title}`).toContain(m[1]);
    }
    // The per-GPU view joins dcgm-exporter on its labels.
    const perGpu = JSON.stringify(dashboards.find((d) => d.file === 'ds01-per-gpu.json')?.json);
    expect(perGpu).toMatch(/on \(UUID, GPU_I_ID\)/);
  });

  describe.skipIf(!isRoot())('against a running ds01d', () => {
    let d: TestDaemon;
    let exported: Set<string>;

    beforeAll(async () => {
      const port = await freePort();
      d = await startTestDaemon({
        dockerHost: inject('dockerHost'),
        extraArgs: [`--metrics=127.0.0.1:${port}`],
      });
      const text = await new Promise<string>((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
            let body = '';
            res.on('data', (c) => {
              body += c;
            });
            res.on('end', () => resolve(body));
          })
          .on('error', reject),
      );
      exported = new Set();
      for (const f of parsePrometheusText(text).values()) {
        exported.add(f.name);
        if (f.type === 'histogram' || f.type === 'summary')
          for (const s of ['_bucket', '_sum', '_count']) exported.add(`${f.name}${s}`);
      }
    }, 120_000);

    afterAll(async () => {
      await d?.cleanup();
    });

    const unknown = (names: string[]) => names.filter((n) => !exported.has(n) && !EXTERNAL.has(n));

    it('every dashboard query and variable names only metrics ds01d exports', () => {
      expect(exported.has('ds01_slot_holder')).toBe(true);
      for (const { file, json } of dashboards) {
        const dash = dashboard.parse(json);
        for (const p of dash.panels)
          for (const t of p.targets) {
            const names = metricNames(t.expr);
            expect(names.length, `${file} ${p.title}: ${t.expr}`).toBeGreaterThan(0);
            expect(unknown(names), `${file} ${p.title}: ${t.expr}`).toEqual([]);
          }
        for (const v of dash.templating.list)
          if (v.type === 'query')
            expect(unknown([labelValuesMetric(v.definition) ?? v.definition]), v.name).toEqual([]);
      }
    });

    it('the alert rules parse and name only metrics ds01d exports', () => {
      const rules = alertRules.parse(
        parseYaml(readFileSync(join(REPO, 'config/prometheus/ds01-alerts.yaml'), 'utf8')),
      );
      const all = rules.groups.flatMap((g) => g.rules);
      expect(all.map((r) => r.alert).sort()).toEqual(
        expect.arrayContaining([
          'Ds01DaemonDown',
          'Ds01GpuHealthFailing',
          'Ds01GpuUnhealthy',
          'Ds01IdleWaste',
          'Ds01QueueWaitLong',
        ]),
      );
      for (const r of all) {
        const names = metricNames(r.expr);
        expect(names.length, r.alert).toBeGreaterThan(0);
        expect(unknown(names), `${r.alert}: ${r.expr}`).toEqual([]);
      }
      // A misspelt metric is caught: the check is not vacuous.
      expect(unknown(metricNames('ds01_queue_lenght > 3'))).toEqual(['ds01_queue_lenght']);
    });
  });
});

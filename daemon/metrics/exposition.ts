// Prometheus text exposition format 0.0.4, written by hand (pure): HELP and TYPE once per family, before
// its samples; label values escaped; names checked so a bad one fails here, not in someone's Prometheus.
// https://prometheus.io/docs/instrumenting/exposition_formats/

export type MetricType = 'gauge' | 'counter' | 'untyped';

export interface MetricSample {
  labels?: Readonly<Record<string, string | number>>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: readonly MetricSample[];
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** HELP text: backslash and newline are escaped. */
export function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Label values: backslash, double quote and newline are escaped. */
export function escapeLabelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  // Integers print without an exponent up to 2^53; other numbers in the shortest round-trip form.
  return Number.isInteger(v) && Math.abs(v) < 2 ** 53 ? v.toFixed(0) : String(v);
}

function labelText(name: string, labels: MetricSample['labels']): string {
  const entries = Object.entries(labels ?? {});
  if (!entries.length) return '';
  const seen = new Set<string>();
  const parts = entries.map(([k, v]) => {
    if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new Error(`${name}: invalid label name "${k}"`);
    if (seen.has(k)) throw new Error(`${name}: label "${k}" twice`);
    seen.add(k);
    return `${k}="${escapeLabelValue(String(v))}"`;
  });
  return `{${parts.join(',')}}`;
}

/** The whole exposition. Throws on a bad metric or label name, a repeated family or a repeated series. */
export function renderExposition(families: readonly MetricFamily[]): string {
  const names = new Set<string>();
  const out: string[] = [];
  for (const f of families) {
    if (!METRIC_NAME.test(f.name)) throw new Error(`invalid metric name "${f.name}"`);
    if (names.has(f.name)) throw new Error(`metric family "${f.name}" written twice`);
    names.add(f.name);
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
    out.push(`# TYPE ${f.name} ${f.type}`);
    const series = new Set<string>();
    for (const s of f.samples) {
      if (f.type === 'counter' && !(s.value >= 0)) throw new Error(`${f.name}: counter must be >= 0`);
      const line = `${f.name}${labelText(f.name, s.labels)}`;
      if (series.has(line)) throw new Error(`${f.name}: series ${line} written twice`);
      series.add(line);
      out.push(`${line} ${formatValue(s.value)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

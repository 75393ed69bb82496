// The metric names a PromQL expression reads, for checking shipped dashboards and alert rules against
// what ds01d really exports. Not a PromQL parser: it removes what cannot be a metric name (strings,
// label matchers, ranges, grouping clauses, Grafana variables), then keeps identifiers that are not
// keywords and not function calls.
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
  'atan2',
]);

export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const rest = bare.slice((m.index ?? 0) + m[0].length);
    if (KEYWORDS.has(m[0].toLowerCase()) || /^\s*\(/.test(rest)) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** The metric a Grafana `label_values(metric, label)` variable query reads. */
export function labelValuesMetric(query: string): string | null {
  return /^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(query)?.[1] ?? null;
}

import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../testing/harness/prometheus.js';
import { escapeLabelValue, formatValue, type MetricFamily, renderExposition } from './exposition.js';

describe('renderExposition', () => {
  it('writes HELP and TYPE once per family, before its samples', () => {
    const text = renderExposition([
      {
        name: 'ds01_slots',
        help: 'GPU slots by state',
        type: 'gauge',
        samples: [
          { labels: { state: 'free', profile: '1g.10gb' }, value: 3 },
          { labels: { state: 'allocated', profile: '1g.10gb' }, value: 1 },
        ],
      },
      { name: 'ds01_api_requests_total', help: 'requests', type: 'counter', samples: [{ value: 7 }] },
    ]);
    expect(text).toBe(
      [
        '# HELP ds01_slots GPU slots by state',
        '# TYPE ds01_slots gauge',
        'ds01_slots{state="free",profile="1g.10gb"} 3',
        'ds01_slots{state="allocated",profile="1g.10gb"} 1',
        '# HELP ds01_api_requests_total requests',
        '# TYPE ds01_api_requests_total counter',
        'ds01_api_requests_total 7',
        '',
      ].join('\n'),
    );
  });

  it('escapes label values and HELP so a strict parser reads back the same strings', () => {
    const nasty = 'a "quoted" \\ back\nslash';
    const text = renderExposition([
      {
        name: 'x',
        help: 'line one\nline two \\ end',
        type: 'gauge',
        samples: [{ labels: { user: nasty }, value: 1 }],
      },
    ]);
    expect(text).toContain('user="a \\"quoted\\" \\\\ back\\nslash"');
    const fam = parsePrometheusText(text).get('x');
    expect(fam?.help).toBe('line one\nline two \\ end');
    expect(fam?.samples[0]?.labels.user).toBe(nasty);
    expect(escapeLabelValue('\\"')).toBe('\\\\\\"');
  });

  it('formats special and fractional values', () => {
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe('+Inf');
    expect(formatValue(Number.NEGATIVE_INFINITY)).toBe('-Inf');
    expect(formatValue(3)).toBe('3');
    expect(formatValue(0.25)).toBe('0.25');
    expect(formatValue(1e21)).toBe('1e+21');
  });

  it('refuses bad names, repeated families and repeated series', () => {
    const f = (over: Partial<MetricFamily>): MetricFamily => ({
      name: 'ok',
      help: 'h',
      type: 'gauge',
      samples: [],
      ...over,
    });
    expect(() => renderExposition([f({ name: '1bad' })])).toThrow(/invalid metric name/);
    expect(() => renderExposition([f({ samples: [{ labels: { 'a-b': 'x' }, value: 1 }] })])).toThrow(
      /invalid label name/,
    );
    expect(() => renderExposition([f({ samples: [{ labels: { __x: 'x' }, value: 1 }] })])).toThrow(
      /invalid label name/,
    );
    expect(() => renderExposition([f({}), f({})])).toThrow(/twice/);
    expect(() =>
      renderExposition([
        f({
          samples: [
            { labels: { a: '1' }, value: 1 },
            { labels: { a: '1' }, value: 2 },
          ],
        }),
      ]),
    ).toThrow(/series/);
    expect(() => renderExposition([f({ type: 'counter', samples: [{ value: -1 }] })])).toThrow(/>= 0/);
  });
});

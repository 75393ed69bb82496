import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sumWhere } from './prometheus.js';

describe('parsePrometheusText (strict)', () => {
  it('reads families, labels with escapes, special values and timestamps', () => {
    const fams = parsePrometheusText(
      [
        '# HELP a_total things',
        '# TYPE a_total counter',
        'a_total{k="v \\"q\\"",j="x\\\\y"} 2 1700000000000',
        'a_total{k="w"} +Inf',
        '# a comment',
        'b NaN',
        '',
      ].join('\n'),
    );
    expect(fams.get('a_total')?.samples).toEqual([
      { name: 'a_total', labels: { k: 'v "q"', j: 'x\\y' }, value: 2 },
      { name: 'a_total', labels: { k: 'w' }, value: Number.POSITIVE_INFINITY },
    ]);
    expect(fams.get('b')?.samples[0]?.value).toBeNaN();
    expect(sumWhere(fams, 'a_total', { k: 'w' })).toBe(Number.POSITIVE_INFINITY);
  });

  it('accepts a real dcgm-exporter style series', () => {
    const line =
      'DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="GPU-34319582-d595-d1c7-d1d2-179bcfa61660",device="nvidia0",GPU_I_PROFILE="1g.5gb",GPU_I_ID="13"} 61\n';
    expect(parsePrometheusText(line).get('DCGM_FI_DEV_GPU_TEMP')?.samples[0]?.labels.GPU_I_ID).toBe('13');
  });

  it.each([
    ['HELP twice', '# HELP a x\n# HELP a y\na 1\n'],
    ['TYPE after samples', 'a 1\n# TYPE a gauge\n'],
    ['unknown type', '# TYPE a meter\n'],
    ['family split', 'a 1\nb 1\na{x="1"} 2\n'],
    ['repeated series', 'a{x="1"} 1\na{x="1"} 2\n'],
    ['unescaped quote', 'a{x="a"b"} 1\n'],
    ['bad escape', 'a{x="\\t"} 1\n'],
    ['bad label name', 'a{1x="1"} 1\n'],
    ['no value', 'a{x="1"}\n'],
    ['bad value', 'a 1,5\n'],
    ['no final newline', 'a 1'],
    ['unterminated labels', 'a{x="1" 1\n'],
  ])('rejects %s', (_name, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});

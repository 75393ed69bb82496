import { describe, expect, it } from 'vitest';
import { labelValuesMetric, metricNames } from './promql.js';

describe('metricNames', () => {
  it('finds the metrics, not functions, labels, keywords, ranges or variables', () => {
    expect(
      metricNames('sum by (user) (rate(ds01_api_requests_total{route=~"$r", x="a b"}[$__rate_interval]))'),
    ).toEqual(['ds01_api_requests_total']);
    expect(
      metricNames(
        'sum by (user) (ds01_slot_holder * on (UUID, GPU_I_ID) group_left () (max by (UUID) (DCGM_FI_X) < bool 0.05)) > 0',
      ),
    ).toEqual(['ds01_slot_holder', 'DCGM_FI_X']);
    expect(metricNames('up{job="ds01"} == 0 or absent(up{job="ds01"})')).toEqual(['up']);
    expect(metricNames('ds01_queue_length offset 5m / 60 + vector(1e3)')).toEqual(['ds01_queue_length']);
    expect(metricNames('sum(ds01_slot_state{state=~"drained|missing"}) or vector(0)')).toEqual([
      'ds01_slot_state',
    ]);
  });
  it('reads a label_values variable query', () => {
    expect(labelValuesMetric('label_values(ds01_allocations, user)')).toBe('ds01_allocations');
    expect(labelValuesMetric('query_result(x)')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { describeHeap, summarizeHeap } from '../bench/heap-summary.js';

// A hand-made snapshot in V8's layout: three nodes (type, name, id, self_size, edge_count).
const SNAPSHOT = JSON.stringify({
  snapshot: {
    meta: {
      node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
      node_types: [['hidden', 'array', 'string', 'object', 'code']],
    },
  },
  nodes: [3, 0, 1, 100, 0, 3, 0, 3, 50, 0, 2, 1, 5, 400, 0, 4, 2, 7, 300, 0],
  strings: ['Map', 'hello', 'fn'],
});

describe('summarizeHeap', () => {
  it('sums own sizes by constructor for objects and by type otherwise, largest first', () => {
    const { total, groups } = summarizeHeap(SNAPSHOT);
    expect(total).toBe(850);
    expect(groups).toEqual([
      { what: 'string', bytes: 400, count: 1 },
      { what: 'code', bytes: 300, count: 1 },
      { what: 'object Map', bytes: 150, count: 2 },
    ]);
    expect(describeHeap(groups, 2)).toBe('string 0.0 MiB, code 0.0 MiB');
  });
});

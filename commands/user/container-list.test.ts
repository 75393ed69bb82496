import { describe, expect, it } from 'vitest';
import type { WaitEstimateView } from '../../daemon/api/types/index.js';
import { queuedState } from './container-list.js';

describe('queuedState', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const at = (iso: string): WaitEstimateView => ({ kind: 'at', at: iso, why: 'max_runtime' });
  it('reads like `queued (#2, ~3m)`, with the wording of gpu-queue', () => {
    expect(queuedState({ position: 2, wait: at('2026-01-01T12:03:00Z') }, now)).toBe('queued (#2, ~3m)');
    expect(queuedState({ position: 1, wait: { kind: 'now', at: null, why: null } }, now)).toBe(
      'queued (#1, next)',
    );
    expect(queuedState({ position: 3, wait: { kind: 'unknown', at: null, why: 'no deadline' } }, now)).toBe(
      'queued (#3, unknown: no deadline)',
    );
    expect(queuedState({ position: 3, wait: null }, now)).toBe('queued (#3, unknown)');
  });
});

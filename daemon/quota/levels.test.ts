import { describe, expect, it } from 'vitest';
import {
  crossing,
  deleteHint,
  humanSize,
  levelOf,
  levelToStore,
  quotaOf,
  refusal,
  warningText,
} from './levels.js';

const MiB = 1024 ** 2;
const q = quotaOf(10 * MiB, 0.8);

describe('levelOf', () => {
  it('is ok under the soft limit, soft from it, hard from the hard limit', () => {
    expect(q).toEqual({ hardBytes: 10 * MiB, softBytes: 8 * MiB });
    expect(levelOf(8 * MiB - 1, q)).toBe('ok');
    expect(levelOf(8 * MiB, q)).toBe('soft');
    expect(levelOf(10 * MiB - 1, q)).toBe('soft');
    expect(levelOf(10 * MiB, q)).toBe('hard');
  });
  it('has nothing to say without a quota or a measurement', () => {
    expect(levelOf(5, quotaOf(null, 0.8))).toBeNull();
    expect(levelOf(null, q)).toBeNull();
  });
  it('a quota of 0 refuses everything', () => {
    expect(levelOf(0, quotaOf(0, 0.8))).toBe('hard');
  });
});

describe('crossing: once per crossing, not every scan', () => {
  it('warns going up, clears going back under the soft limit, and stays quiet otherwise', () => {
    expect(crossing(null, 'ok')).toBeNull();
    expect(crossing('ok', 'soft')).toBe('warn');
    expect(crossing('soft', 'soft')).toBeNull();
    expect(crossing('soft', 'hard')).toBe('warn');
    expect(crossing(null, 'hard')).toBe('warn');
    expect(crossing('hard', 'soft')).toBeNull();
    expect(crossing('hard', 'ok')).toBe('clear');
    expect(crossing('soft', null)).toBeNull();
  });
  it('keeps the stored level when a scan could not measure', () => {
    expect(levelToStore('soft', null)).toBe('soft');
    expect(levelToStore('soft', 'ok')).toBe('ok');
  });
});

describe('messages', () => {
  const ws = {
    kind: 'workspace' as const,
    usedBytes: 11 * MiB,
    quota: q,
    largest: [
      { name: 'big', bytes: 9 * MiB },
      { name: 'small', bytes: 2 * MiB },
    ],
  };
  it('a refusal names the use, the limit, the largest directories and what to run', () => {
    const r = refusal('container-deploy', [ws], true);
    expect(r?.message).toBe(
      'container-deploy refused: your ~/workspace uses 11.0 MiB of its 10.0 MiB quota (storage_workspace)',
    );
    expect(r?.hint).toContain('big (9.0 MiB), small (2.0 MiB)');
    expect(r?.hint).toContain('ds01 quota --refresh');
  });
  it('no refusal under the hard limit, or with enforcement off', () => {
    expect(refusal('x', [{ ...ws, usedBytes: 9 * MiB }], true)).toBeNull();
    expect(refusal('x', [ws], false)).toBeNull();
  });
  it('images point at image-delete', () => {
    const img = {
      kind: 'images' as const,
      usedBytes: 3,
      quota: quotaOf(2, 0.8),
      largest: [{ name: 'a', bytes: 3 }],
    };
    expect(deleteHint(img)).toContain('image-delete');
    expect(refusal('image-create', [img, { ...ws, usedBytes: 1 }], true)?.message).toContain(
      'your images use 3 B',
    );
  });
  it('a warning says the percentage and what happens at the hard limit', () => {
    expect(warningText({ ...ws, usedBytes: 9 * MiB }, 'soft')).toMatch(
      /9\.0 MiB, 90% of its 10\.0 MiB quota/,
    );
    expect(warningText(ws, 'hard')).toMatch(/refused until you free space/);
  });
  it('humanSize', () => {
    expect(humanSize(512)).toBe('512 B');
    expect(humanSize(1887437)).toBe('1.8 MiB');
  });
});

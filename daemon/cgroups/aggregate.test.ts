import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  aggregateWrites,
  applyUserCgroup,
  checkUserCgroup,
  sameValue,
  usersWithCgroups,
} from './aggregate.js';

const caps = { cpus: 2.5, memoryMaxBytes: 256 * 2 ** 20, memoryHighBytes: null, tasksMax: 64 };

describe('aggregateWrites', () => {
  it('v2: one file per cap, "max" for none', () => {
    expect(aggregateWrites(caps, 'v2')).toEqual([
      { controller: '', file: 'memory.max', value: '268435456' },
      { controller: '', file: 'memory.high', value: 'max' },
      { controller: '', file: 'pids.max', value: '64' },
      { controller: '', file: 'cpu.max', value: '250000 100000' },
    ]);
  });
  it('v1: per-controller files, -1 for none; no aggregate lifts every cap', () => {
    const w = aggregateWrites(null, 'v1');
    expect(w.find((x) => x.file === 'memory.limit_in_bytes')?.value).toBe('-1');
    expect(w.find((x) => x.file === 'pids.max')?.value).toBe('max');
    expect(w.find((x) => x.file === 'cpu.cfs_quota_us')?.value).toBe('-1');
    expect(aggregateWrites(caps, 'v1').find((x) => x.file === 'cpu.cfs_quota_us')?.value).toBe('250000');
  });
});

describe('sameValue', () => {
  it("reads the kernel's spellings of unlimited as unlimited, and nothing else", () => {
    expect(sameValue('-1', '9223372036854771712\n')).toBe(true);
    expect(sameValue('max', 'max\n')).toBe(true);
    expect(sameValue('64', '64\n')).toBe(true);
    expect(sameValue('64', '65\n')).toBe(false);
    expect(sameValue('-1', '268435456')).toBe(false);
    expect(sameValue('max 100000', 'max 100000\n')).toBe(true);
  });
});

describe('applyUserCgroup / checkUserCgroup on a v1-shaped tree', () => {
  let root = '';
  // CI fails on any ds01-* temp dir left behind.
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates the parent in each controller, writes the caps, and check finds drift', () => {
    root = mkdtempSync(join(tmpdir(), 'ds01-cg-'));
    for (const c of ['memory', 'pids', 'cpu']) mkdirSync(join(root, c));
    applyUserCgroup(1234, caps, root);
    expect(readFileSync(join(root, 'pids/ds01/u1234/pids.max'), 'utf8')).toBe('64');
    expect(checkUserCgroup(1234, caps, root)).toEqual([]);
    writeFileSync(join(root, 'pids/ds01/u1234/pids.max'), '7');
    expect(checkUserCgroup(1234, caps, root)).toEqual([
      `${join(root, 'pids/ds01/u1234/pids.max')} holds 7, policy says 64`,
    ]);
    expect(checkUserCgroup(99, caps, root)[0]).toMatch(/missing/);
    expect(usersWithCgroups(root)).toEqual([1234]);
  });
});

import { describe, expect, it } from 'vitest';
import { jobCommand, jobWorkdir } from './command.js';
import { effectiveTimeLimit, jobLifecycleLimits, requestedTimeLimit } from './time.js';

describe('effectiveTimeLimit', () => {
  it('caps --time at max_runtime and says so', () => {
    expect(effectiveTimeLimit(10_000, 60_000)).toEqual({ ms: 10_000, capped: false });
    expect(effectiveTimeLimit(120_000, 60_000)).toEqual({ ms: 60_000, capped: true });
    expect(effectiveTimeLimit(null, 60_000)).toEqual({ ms: 60_000, capped: false });
    expect(effectiveTimeLimit(5_000, null)).toEqual({ ms: 5_000, capped: false });
    expect(effectiveTimeLimit(null, null)).toEqual({ ms: null, capped: false });
  });

  it("a job's lifecycle limits: its own time, no idle stop unless jobs.idle_timeout", () => {
    const base = { maxRuntimeMs: 60_000, idleTimeoutMs: 20_000, priority: 1 };
    expect(jobLifecycleLimits(base, { timeLimitMs: 5_000 }, null)).toEqual({
      maxRuntimeMs: 5_000,
      idleTimeoutMs: null,
      priority: 1,
    });
    expect(jobLifecycleLimits(base, { timeLimitMs: null }, 3_600_000)).toMatchObject({
      maxRuntimeMs: 60_000,
      idleTimeoutMs: 3_600_000,
    });
  });
});

describe('requestedTimeLimit', () => {
  const H = 3_600_000;
  it('reads --time, caps it at max_runtime with a note, and defaults to the ceiling', () => {
    expect(requestedTimeLimit('30m', 2 * H)).toEqual({ ms: 30 * 60_000, capped: false, notes: [] });
    const capped = requestedTimeLimit('6h', 2 * H);
    expect(capped).toMatchObject({ ms: 2 * H, capped: true });
    expect(capped.notes[0]).toMatch(/--time 6h is above your max_runtime/);
    expect(requestedTimeLimit(undefined, 2 * H)).toEqual({ ms: 2 * H, capped: false, notes: [] });
  });
  it('refuses a malformed or non-positive --time, saying how to write it', () => {
    expect(() => requestedTimeLimit('soon', H)).toThrow(/--time soon/);
    expect(() => requestedTimeLimit('0m', H)).toThrow(/not a positive time/);
  });
});

describe('jobCommand', () => {
  it('runs the argv untouched, as arguments, with the log under the workspace', () => {
    const cmd = jobCommand(12, '/workspace/run', ['python', 'train.py', '--lr', '$(rm -rf /)']);
    expect(cmd.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(cmd.slice(3)).toEqual(['12', '/workspace/run', 'python', 'train.py', '--lr', '$(rm -rf /)']);
    expect(cmd[2]).toContain('/workspace/.ds01/jobs/$0.log');
    expect(cmd[2]).toContain('exec "$@"');
  });

  it('relative workdirs are under /workspace', () => {
    expect(jobWorkdir(undefined)).toBe('/workspace');
    expect(jobWorkdir('exp/1')).toBe('/workspace/exp/1');
    expect(jobWorkdir('/tmp')).toBe('/tmp');
    expect(jobWorkdir('a/../../etc')).toBe('/etc');
  });
});

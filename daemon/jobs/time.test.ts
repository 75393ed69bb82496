import { describe, expect, it } from 'vitest';
import { jobCommand, jobWorkdir } from './command.js';
import { effectiveTimeLimit, jobLifecycleLimits } from './time.js';

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

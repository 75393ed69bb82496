// parsePolicy on good files: the shipped default, the integration-test policy, aliases, sections ds01 does not
// implement, YAML anchors, and the frozen result.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, formatDiagnostics } from './diagnostics.js';
import { parsePolicy } from './load.js';
import { loadPolicyFile } from './load-file.js';
import type { Diagnostic, ParseResult, Policy } from './types.js';

const ROOT = join(import.meta.dirname, '../..');
const NOW = new Date('2026-08-01T00:00:00Z');
const H = 3_600_000;
const GiB = 1024 ** 3;

function parse(text: string): ParseResult {
  return parsePolicy(text, 'policy.yaml', { now: NOW });
}

function ok(text: string): { policy: Policy; warnings: Diagnostic[] } {
  const result = parse(text);
  if (!result.ok) throw new Error(formatDiagnostics(result.errors));
  return result;
}

describe('the shipped config/resource-limits.yaml', () => {
  const text = readFileSync(join(ROOT, 'config/resource-limits.yaml'), 'utf8');
  const result = parsePolicy(text, 'resource-limits.yaml', { now: NOW });

  it('parses with no errors and no warnings or notes', () => {
    expect(result.ok ? result.warnings : result.errors).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('has the four groups and students as the default', () => {
    if (!result.ok) return;
    expect(Object.keys(result.policy.groups)).toEqual(['students', 'researchers', 'faculty', 'admins']);
    expect(result.policy.defaultGroup).toBe('students');
    expect(result.policy.admin).toEqual({ group: 'ds01-admin', users: [] });
    expect(result.policy.images.map((i) => i.name)).toEqual(['pytorch', 'tensorflow', 'jax', 'cuda']);
  });

  it('comments every key', () => {
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (!/^\s*[a-z_]+:/.test(line) || /^\s*(name|image|description):/.test(line)) return;
      const previous = lines[i - 1] ?? '';
      const commented = /^\s*#/.test(previous) || line.includes('#') || /^\s*- name:/.test(previous);
      expect(commented, `line ${i + 1} "${line.trim()}" has no comment`).toBe(true);
    });
  });
});

describe('the jobs section', () => {
  it('idle_timeout: absent or null never stops a job for idleness; a duration does', () => {
    expect(ok('defaults: {}\n').policy.jobs).toEqual({ idleTimeoutMs: null });
    expect(ok('jobs:\n  idle_timeout: null\n').policy.jobs).toEqual({ idleTimeoutMs: null });
    expect(ok('jobs:\n  idle_timeout: 2h\n').policy.jobs).toEqual({ idleTimeoutMs: 2 * H });
  });

  it('an unknown key is an error with the line', () => {
    const r = parse('jobs:\n  idle_timout: 2h\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatDiagnostics(r.errors)).toMatch(/idle_timout[\s\S]*idle_timeout/);
  });
});

describe('gpu_allocation.max_overtake_wait', () => {
  it('defaults to 30 minutes; takes a duration (bare number = minutes) or null for no bound', () => {
    expect(ok('defaults: {}\n').policy.gpuAllocation.maxOvertakeWaitMs).toBe(30 * 60_000);
    expect(ok('gpu_allocation:\n  max_overtake_wait: 2h\n').policy.gpuAllocation.maxOvertakeWaitMs).toBe(
      2 * H,
    );
    expect(ok('gpu_allocation:\n  max_overtake_wait: 45\n').policy.gpuAllocation.maxOvertakeWaitMs).toBe(
      45 * 60_000,
    );
    expect(
      ok('gpu_allocation:\n  max_overtake_wait: null\n').policy.gpuAllocation.maxOvertakeWaitMs,
    ).toBeNull();
  });

  it('a bad duration is an error naming the key', () => {
    const r = parse('gpu_allocation:\n  max_overtake_wait: soon\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatDiagnostics(r.errors)).toMatch(/max_overtake_wait/);
  });
});

describe('testing/fixtures/policies/test-fast.yaml', () => {
  it('is valid, with second-scale timeouts and 6-field cron sweeps', () => {
    const text = readFileSync(join(ROOT, 'testing/fixtures/policies/test-fast.yaml'), 'utf8');
    const { policy, warnings } = ok(text);
    expect(warnings).toEqual([]);
    expect(policy.defaults.idleTimeoutMs).toBe(20_000);
    expect(policy.defaults.gpuHoldAfterStopMs).toBe(5_000);
    expect(policy.lifecycle.sigtermGraceSec).toBe(2);
    expect(policy.lifecycle.warningPointsMs).toEqual([10_000, 5_000]);
    expect(policy.schedules.holdSweep.split(' ')).toHaveLength(6);
  });
});

describe('parsePolicy', () => {
  it('fills what the file leaves out from built-in defaults', () => {
    const { policy } = ok('defaults:\n  memory: 8g\n');
    expect(policy.defaults.memoryBytes).toBe(8 * GiB);
    expect(policy.defaults.priority).toBe(10);
    expect(policy.defaultGroup).toBe('default');
    expect(policy.schedules.idleSweep).toBe('*/5 * * * *');
    expect(policy.admin.group).toBe('ds01-admin');
    expect(policy.aggregateLimits).toBe(false);
  });

  it('returns a deep-frozen policy', () => {
    const { policy } = ok('default_group: s\ngroups:\n  s:\n    members: [a]\n    memory: 1g\n');
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.groups.s?.members)).toBe(true);
    expect(Object.isFrozen(policy.groups.s?.limits)).toBe(true);
    expect(Object.isFrozen(policy.lifecycle.warningPointsMs)).toBe(true);
  });

  it('reads *_h, *_m and *_s numbers as durations, with a note at the key', () => {
    const { policy, warnings } = ok(
      'defaults:\n  idle_timeout_h: 2\n  max_runtime_h: null\npolicies:\n  grace_period_m: 10\n  sigterm_grace_s: 45\n',
    );
    expect(policy.defaults.idleTimeoutMs).toBe(2 * H);
    expect(policy.defaults.maxRuntimeMs).toBeNull();
    expect(policy.lifecycle.startupGraceMs).toBe(10 * 60_000);
    expect(policy.lifecycle.sigtermGraceSec).toBe(45);
    expect(warnings[0]).toMatchObject({
      severity: 'note',
      line: 2,
      column: 3,
      path: 'defaults.idle_timeout_h',
    });
    expect(warnings[0]?.message).toBe('"idle_timeout_h" is read as idle_timeout: 2h');
    expect(warnings.every((w) => w.severity === 'note')).toBe(true);
  });

  it('maps the old GPU key names onto ds01 keys', () => {
    const { policy, warnings } = ok(
      'defaults:\n  max_gpu_slots_per_container: 2\n  max_gpus_per_user: 4\n  cpus: 6\ngroups:\n  g:\n    max_mig_per_container: 3\ndefault_group: g\n',
    );
    expect(policy.defaults.maxGpusPerContainer).toBe(2);
    expect(policy.defaults.maxMigInstances).toBe(4);
    expect(policy.defaults.maxCpus).toBe(6);
    expect(policy.groups.g?.limits.maxGpusPerContainer).toBe(3);
    expect(warnings.map((w) => w.message)).toContain(
      '"max_mig_per_container" is read as max_gpus_per_container: 3',
    );
  });

  it('turns high_demand_idle_reduction into a factor', () => {
    const { policy } = ok('policies:\n  high_demand_idle_reduction: 0.25\n');
    expect(policy.lifecycle.highDemandIdleFactor).toBe(0.75);
  });

  it('warns about, but accepts, keys and sections ds01 does not implement', () => {
    const result = parse(
      'defaults:\n  max_tasks: 100\nmonitoring:\n  x: 1\ngpu_allocation:\n  mig_instances_per_gpu: 4\n',
    );
    expect(result.ok).toBe(true);
    const warnings = result.warnings.filter((w) => w.severity === 'warning');
    expect(warnings.map((w) => [w.line, w.column, w.path])).toEqual([
      [2, 3, 'defaults.max_tasks'],
      [3, 1, 'monitoring'],
      [6, 3, 'gpu_allocation.mig_instances_per_gpu'],
    ]);
    expect(warnings[1]?.message).toContain('section "monitoring" is not implemented');
  });

  it('accepts sections whose keys are all commented out', () => {
    expect(parse('gpu_allocation:\n  # strategy: pack\npolicies:\n').ok).toBe(true);
  });

  it('reports an expired exemption as a warning and keeps a live one', () => {
    const { policy, warnings } = ok(
      'exemptions:\n  - user: bob\n    keys: [max_runtime]\n    expires: 2026-01-31\n    reason: old\n  - user: eve\n    keys: lifecycle\n    expires: 2026-12-31\n    reason: thesis\n',
    );
    expect(policy.exemptions).toHaveLength(2);
    expect(warnings).toEqual([
      expect.objectContaining({ severity: 'warning', line: 4, column: 14, path: 'exemptions[0].expires' }),
    ]);
    expect(warnings[0]?.message).toContain('expired on 2026-01-31');
  });

  it('follows YAML anchors and << merges, explicit keys winning', () => {
    const { policy } = ok(
      'default_group: a\ngroups:\n  a: &base\n    memory: 8g\n    max_cpus: 2\n  b:\n    <<: *base\n    max_cpus: 4\n',
    );
    expect(policy.groups.b?.limits).toEqual({ memoryBytes: 8 * GiB, maxCpus: 4 });
  });

  it('reports every error in one pass, in file order', () => {
    const result = parse('defaults:\n  memroy: 1g\n  max_cpus: -1\nschedules:\n  idle_sweep: "bad"\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.line)).toEqual([2, 3, 5]);
  });

  it('warns when a user is listed in two groups', () => {
    const { warnings } = ok('default_group: a\ngroups:\n  a:\n    members: [x]\n  b:\n    members: [y, x]\n');
    expect(warnings[0]).toMatchObject({ line: 6, column: 18, path: 'groups.b.members[1]' });
    expect(warnings[0]?.hint).toContain('x gets "a"');
  });

  it('warns when shm_size exceeds memory', () => {
    const { warnings } = ok('defaults:\n  memory: 1g\n  shm_size: 2g\n');
    expect(warnings[0]).toMatchObject({ severity: 'warning', path: 'defaults.shm_size', line: 3 });
  });

  it('names the group that inherits a bad default', () => {
    const result = parse(
      'defaults:\n  memory_swap: 1g\ndefault_group: a\ngroups:\n  a:\n    memory: 2g\n  b: {}\n',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.path).toBe('groups.a.memory');
  });

  it('checks user overrides against the group they land in', () => {
    const result = parse(
      'default_group: a\ngroups:\n  a:\n    memory: 4g\n    memory_swap: 4g\nuser_overrides:\n  al:\n    memory: 8g\n',
    );
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors[0]).toMatchObject({ line: 8, column: 13, path: 'user_overrides.al.memory' });
  });
});

describe('formatDiagnostics', () => {
  it('prints file:line:col: severity: path: message (expected …) — hint', () => {
    const result = parse('defaults:\n  max_cpus: -4\n');
    if (result.ok) throw new Error('expected errors');
    expect(formatDiagnostic(result.errors[0] as Diagnostic)).toBe(
      'policy.yaml:2:13: error: defaults.max_cpus: -4 is negative (expected a number > 0, or null for unlimited)',
    );
    const unknown = parse('defaults:\n  memroy: 1g\n');
    if (unknown.ok) throw new Error('expected errors');
    expect(formatDiagnostics(unknown.errors)).toBe(
      'policy.yaml:2:3: error: defaults.memroy: unknown key "memroy" in defaults — did you mean "memory"?',
    );
  });
});

describe('loadPolicyFile', () => {
  it('reports a missing file as a diagnostic', async () => {
    const result = await loadPolicyFile('/nonexistent/resource-limits.yaml');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message).toBe('the policy file does not exist');
  });

  it('reads and parses a file', async () => {
    const result = await loadPolicyFile(join(ROOT, 'config/resource-limits.yaml'), { now: NOW });
    expect(result.ok).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { explain } from './explain.js';
import { parsePolicy } from './load.js';
import { containerCpus, diffEffectiveLimits, isAdmin, resolveLimits } from './resolve.js';
import type { Policy } from './types.js';

const NOW = new Date('2026-08-01T12:00:00Z');
const H = 3_600_000;
const G = 1024 ** 3;

function policy(text: string): Policy {
  const result = parsePolicy(text, 'p.yaml', { now: NOW });
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.policy;
}

const BASE = `
defaults:
  max_cpus: 4
  memory: 8g
  memory_swap: 8g
  idle_timeout: 1h
  max_runtime: 24h
default_group: students
groups:
  students:
    members: [sam]
  researchers:
    members: [rita, sam]
    max_cpus: 16
    memory: 32g
    memory_swap: 32g
    policies:
      idle_detection_window: 5
  lab:
    max_runtime: 72h
user_overrides:
  rita:
    memory: 64g
    memory_swap: 64g
  omar:
    group: lab
    max_cpus: 2
exemptions:
  - user: rita
    keys: [max_runtime, allow_full_gpu]
    expires: 2026-08-01
    reason: deadline
  - user: rita
    keys: lifecycle
    expires: 2026-07-31
    reason: over
admin:
  users: [alice]
`;

describe('resolveLimits', () => {
  const p = policy(BASE);

  it('layers defaults ← group ← override, an override changing only its own keys', () => {
    const r = resolveLimits(p, { name: 'rita', groups: [] }, NOW);
    expect(r.group).toBe('researchers');
    expect(r.limits).toMatchObject({
      maxCpus: 16,
      memoryBytes: 64 * G,
      memorySwapBytes: 64 * G,
      idleTimeoutMs: H,
    });
    expect(r.sources).toMatchObject({
      maxCpus: 'group:researchers',
      memoryBytes: 'user:rita',
      idleTimeoutMs: 'default',
      priority: 'default',
    });
  });

  it('applies active exemptions and skips expired ones', () => {
    const r = resolveLimits(p, { name: 'rita', groups: [] }, NOW);
    expect(r.limits.maxRuntimeMs).toBeNull();
    expect(r.limits.allowFullGpu).toBe(true);
    expect(r.sources.maxRuntimeMs).toBe('exemption:2026-08-01');
    expect(r.limits.idleTimeoutMs).toBe(H); // the lifecycle exemption ended on 2026-07-31
    expect(r.exemptions.map((e) => e.reason)).toEqual(['deadline']);
    // A bare date is valid through that day (UTC): gone the next morning.
    const later = resolveLimits(p, { name: 'rita', groups: [] }, new Date('2026-08-02T00:00:00Z'));
    expect(later.limits.maxRuntimeMs).toBe(24 * H);
    expect(later.exemptions).toEqual([]);
  });

  it('a lifecycle exemption lifts idle, runtime and removal', () => {
    const q = policy(`${BASE.replace('expires: 2026-07-31', 'expires: 2026-12-31')}`);
    const r = resolveLimits(q, { name: 'rita', groups: [] }, NOW);
    expect(r.limits).toMatchObject({
      idleTimeoutMs: null,
      maxRuntimeMs: null,
      containerHoldAfterStopMs: null,
    });
  });

  it('picks the group: override, then the first members list, then a Linux group, then default_group', () => {
    const group = (name: string, groups: string[] = []) => resolveLimits(p, { name, groups }, NOW);
    expect(group('omar', ['researchers'])).toMatchObject({ group: 'lab', groupVia: 'user-override' });
    expect(group('sam', ['lab'])).toMatchObject({ group: 'students', groupVia: 'members' });
    expect(group('lena', ['users', 'lab', 'researchers'])).toMatchObject({
      group: 'researchers',
      groupVia: 'linux-group',
    });
    expect(group('nobody', ['users'])).toMatchObject({ group: 'students', groupVia: 'default-group' });
  });

  it('resolves per-group idle detection over the global policies', () => {
    expect(resolveLimits(p, { name: 'rita', groups: [] }, NOW).lifecycle.idleDetectionWindow).toBe(5);
    expect(resolveLimits(p, { name: 'sam', groups: [] }, NOW).lifecycle.idleDetectionWindow).toBe(3);
  });

  it('uses the defaults when the policy has no groups', () => {
    const q = policy('defaults:\n  max_cpus: 3\n');
    expect(resolveLimits(q, { name: 'x', groups: [] }, NOW)).toMatchObject({
      group: 'default',
      limits: { maxCpus: 3 },
    });
  });
});

describe('isAdmin', () => {
  const p = policy(BASE);
  it('is true for root, admin.users and members of admin.group', () => {
    expect(isAdmin(p, { name: 'root', groups: [] })).toBe(true);
    expect(isAdmin(p, { name: 'svc', groups: [], uid: 0 })).toBe(true);
    expect(isAdmin(p, { name: 'alice', groups: [] })).toBe(true);
    expect(isAdmin(p, { name: 'bob', groups: ['ds01-admin'] })).toBe(true);
    expect(isAdmin(p, { name: 'bob', groups: ['researchers'] })).toBe(false);
  });
});

describe('diffEffectiveLimits', () => {
  it('lists what changes for each group, inherited changes included', () => {
    const before = policy(BASE);
    const after = policy(
      BASE.replace('  max_cpus: 4\n', '  max_cpus: 6\n').replace(
        '  lab:\n    max_runtime: 72h\n',
        '  lab:\n    max_runtime: 96h\n  new: {}\n',
      ),
    );
    expect(diffEffectiveLimits(before, after)).toEqual([
      { group: 'students', status: 'changed', changes: [{ key: 'maxCpus', before: 4, after: 6 }] },
      {
        group: 'lab',
        status: 'changed',
        changes: [
          { key: 'maxCpus', before: 4, after: 6 },
          { key: 'maxRuntimeMs', before: 72 * H, after: 96 * H },
        ],
      },
      { group: 'new', status: 'added', changes: [{ key: 'maxCpus', before: 4, after: 6 }] },
    ]);
  });

  it('is empty when nothing changes, and reports removed groups', () => {
    const p = policy(BASE);
    expect(diffEffectiveLimits(p, policy(BASE))).toEqual([]);
    const removed = diffEffectiveLimits(
      p,
      policy(BASE.replace('  lab:\n    max_runtime: 72h\n', '').replace('group: lab', 'group: students')),
    );
    expect(removed).toEqual([
      { group: 'lab', status: 'removed', changes: [{ key: 'maxRuntimeMs', before: 72 * H, after: 24 * H }] },
    ]);
  });
});

describe('explain', () => {
  it('prints every key with its value in YAML units and the line of the policy it comes from', () => {
    const text = explain(policy(BASE), { name: 'rita', groups: [] }, NOW);
    // BASE starts with a newline: `defaults:` is line 2.
    const lines = text.split('\n');
    expect(lines[0]).toBe('rita: group "researchers" (members list)');
    expect(lines[2]).toMatch(/^KEY\s+VALUE\s+FROM$/);
    expect(text).toMatch(/\nmemory\s+64g\s+user_overrides\.rita \(line 23\)\n/);
    expect(text).toMatch(/\nmax_cpus\s+16\s+groups\.researchers \(line 14\)\n/);
    expect(text).toMatch(/\nidle_timeout\s+1h\s+defaults \(line 6\)\n/);
    expect(text).toMatch(/\nmax_runtime\s+never\s+exemption until 2026-08-01 \(deadline\)\n/);
    expect(text).toMatch(/\nallow_full_gpu\s+yes\s+exemption/);
    expect(text).toMatch(/\nmax_mig_instances\s+unlimited\s+built-in default\n/);
    expect(text).toContain('exemption until 2026-08-01 (max_runtime, allow_full_gpu): deadline');
  });
});

describe('containerCpus', () => {
  it('never gives a container more CPUs than the aggregate cap it runs under (cgroup v1: EINVAL)', () => {
    expect(containerCpus(8, { cpus: 4 }, true)).toBe(4);
    expect(containerCpus(2, { cpus: 4 }, true)).toBe(2);
    // Unlimited stays unlimited (the parent caps); no cap or caps not enforced: max_cpus as written.
    expect(containerCpus(null, { cpus: 4 }, true)).toBeNull();
    expect(containerCpus(8, { cpus: null }, true)).toBe(8);
    expect(containerCpus(8, null, true)).toBe(8);
    expect(containerCpus(8, { cpus: 4 }, false)).toBe(8);
  });
});

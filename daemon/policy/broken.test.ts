// Every broken policy under testing/fixtures/policies/broken must be refused with one error at the exact
// line:column of the offending key or value, so `ds01 config check` sends the admin to the right spot.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from './load.js';

const DIR = join(import.meta.dirname, '../../testing/fixtures/policies/broken');
const NOW = new Date('2026-08-01T00:00:00Z');

// file → [line, column, path, message fragment, hint fragment?]
const EXPECTED: Record<string, [number, number, string, string, string?]> = {
  'admin-unknown-key': [3, 3, 'admin.user', 'unknown key "user" in admin', 'did you mean "users"?'],
  'aggregate-high-over-max': [
    6,
    20,
    'groups.students.aggregate.memory_high',
    'memory_high 128g is more than memory_max 96g',
  ],
  'alias-and-name-both': [
    3,
    3,
    'defaults.idle_timeout_h',
    'sets idle_timeout again (already set by "idle_timeout")',
  ],
  'bad-cron-fields': [2, 15, 'schedules.hold_sweep', 'expected 5 or 6 fields but got 3'],
  'bad-cron-range': [2, 15, 'schedules.idle_sweep', '61 is an invalid expression for minute'],
  'bad-duration-text': [2, 16, 'defaults.max_runtime', '"forever" is not a duration'],
  'bad-duration-unit': [2, 17, 'defaults.idle_timeout', 'unknown duration unit "x"'],
  'bad-mig-profile': [2, 16, 'gpu_allocation.mig_profile', '"3g-40gb" is not a MIG profile'],
  'bad-size': [2, 11, 'defaults.memory', '"32 gigs" is not a size'],
  'bad-strategy': [2, 13, 'gpu_allocation.strategy', '"round_robin" is not a placement strategy'],
  'cpus-over-aggregate': [
    2,
    13,
    'defaults.max_cpus',
    `max_cpus 8 (inherited by group "students") is more than group "students"'s aggregate cpu_quota of 4 CPUs (400%)`,
    'cgroup v1 refuses a container CPU limit above it',
  ],
  'cpus-over-aggregate-override': [
    10,
    15,
    'user_overrides.alice.max_cpus',
    `max_cpus 6 is more than group "students"'s aggregate cpu_quota of 4 CPUs`,
    'lower max_cpus to at most 4, or raise groups.students.aggregate.cpu_quota',
  ],
  'duplicate-key': [4, 3, '', 'Map keys must be unique'],
  'empty-file': [1, 1, '', 'the policy file is empty'],
  'exemption-bad-date': [4, 14, 'exemptions[0].expires', '"next friday" is not a date'],
  'exemption-missing-reason': [2, 5, 'exemptions[0]', 'missing "reason"'],
  'exemption-not-exemptable': [3, 12, 'exemptions[0].keys[0]', '"priority" has no unlimited value'],
  'extensions-without-duration': [2, 19, 'defaults.max_extensions', 'needs an extension_duration'],
  'fractional-bytes': [2, 13, 'defaults.shm_size', '1000.5 bytes is not a whole number'],
  'high-demand-factor-zero': [2, 28, 'policies.high_demand_idle_factor', '0 is not more than 0'],
  'hour-alias-with-unit-text': [2, 18, 'defaults.max_runtime_h', '"24h" is not a number', 'max_runtime: 24h'],
  'image-duplicate': [4, 11, 'images[1].name', 'image "pytorch" is listed twice'],
  'members-not-a-list': [4, 14, 'groups.students.members', 'must be a list of user names'],
  'missing-default-group': [2, 3, 'default_group', 'default_group is missing'],
  'mount-over-workspace': [3, 13, 'shared_mounts[0].target', "would cover the user's workspace"],
  'mount-relative': [2, 13, 'shared_mounts[0].source', '"srv/datasets" is not an absolute path'],
  'negative-count': [3, 24, 'groups.students.max_mig_instances', '-1 is negative'],
  'negative-duration': [2, 24, 'defaults.gpu_hold_after_stop', 'duration "-5m" is negative'],
  'negative-number': [2, 13, 'defaults.max_cpus', '-4 is negative'],
  'null-not-allowed': [2, 26, 'policies.idle_detection_window', 'null is not a whole number'],
  'override-unknown-group': [
    7,
    12,
    'user_overrides.alice.group',
    '"reserchers" is not defined under groups',
    'did you mean "researchers"?',
  ],
  'per-container-over-quota': [
    6,
    29,
    'groups.students.max_gpus_per_container',
    'max_gpus_per_container 3 is more than max_mig_instances 2',
  ],
  'percent-out-of-range': [2, 23, 'policies.gpu_idle_threshold', '150 is above the maximum 100'],
  'priority-range': [2, 13, 'defaults.priority', '101 is above the maximum 100'],
  'quoted-number': [2, 15, 'defaults.pids_limit', '"4096" is not a whole number', 'without quotes'],
  'root-is-list': [1, 1, '', 'must be a mapping of sections'],
  'section-not-a-map': [1, 11, 'defaults', 'must be a mapping'],
  'swap-below-memory': [3, 16, 'defaults.memory_swap', 'memory_swap 32g is less than memory 64g'],
  'swap-below-memory-inherited': [
    7,
    13,
    'groups.researchers.memory',
    'memory_swap 32g is less than memory 64g',
  ],
  'syntax-bad-indent': [3, 1, '', 'All mapping items must start at the same column'],
  'syntax-tab-indent': [2, 1, '', 'Tabs are not allowed as indentation', 'indent with spaces'],
  'syntax-unclosed-flow': [3, 1, '', 'Flow sequence in block collection', 'is not closed'],
  'syntax-unclosed-quote': [4, 1, '', 'Missing closing "quote'],
  'system-wide-in-group': [
    5,
    7,
    'groups.students.policies.high_demand_threshold',
    'cannot be set in groups.students.policies',
    'system-wide',
  ],
  'unknown-default-group': [
    1,
    16,
    'default_group',
    'default_group "student" is not defined',
    'did you mean "students"?',
  ],
  'unknown-group-key': [4, 5, 'groups.students.max_cpu', 'unknown key "max_cpu"', 'did you mean "max_cpus"?'],
  'unknown-limit-key': [
    2,
    3,
    'defaults.memroy',
    'unknown key "memroy" in defaults',
    'did you mean "memory"?',
  ],
  'unknown-schedule': [
    2,
    3,
    'schedules.idle_sweeps',
    'unknown key "idle_sweeps"',
    'did you mean "idle_sweep"?',
  ],
  'unknown-top-level-key': [3, 1, 'group', 'unknown key "group" in the top level', 'did you mean "groups"?'],
  'warning-point-zero': [2, 25, 'policies.warning_points[1]', 'a warning point of 0'],
  'wrong-type-bool': [2, 19, 'defaults.allow_full_gpu', '"yes" is not true or false'],
  'wrong-type-int': [2, 28, 'defaults.max_containers_per_user', '2.5 is not a whole number'],
  'wrong-type-yes-no': [
    2,
    19,
    'defaults.allow_full_gpu',
    '"yes" is not true or false',
    'YAML 1.2 reads this as text',
  ],
};

describe('broken policies', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));

  it('has an expectation for every fixture and a fixture for every expectation', () => {
    expect(files.map((f) => f.replace(/\.yaml$/, '')).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(Object.entries(EXPECTED))('%s', (name, [line, column, path, fragment, hint]) => {
    const file = `${name}.yaml`;
    const result = parsePolicy(readFileSync(join(DIR, file), 'utf8'), file, { now: NOW });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    const [error] = result.errors;
    expect(error).toMatchObject({ severity: 'error', file, line, column, path });
    expect(error?.message).toContain(fragment);
    if (hint) expect(error?.hint).toContain(hint);
  });
});

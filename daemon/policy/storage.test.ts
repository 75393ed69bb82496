// The storage_* keys and the two storage settings of `policies`: sizes as the replaced system wrote them,
// inheritance like every limit, what stays unimplemented and why, and what `config explain` prints.
import { describe, expect, it } from 'vitest';
import { formatDiagnostics } from './diagnostics.js';
import { explain } from './explain.js';
import { parsePolicy } from './load.js';
import { resolveLimits } from './resolve.js';

const NOW = new Date('2026-08-01T00:00:00Z');
const GiB = 1024 ** 3;

function ok(text: string) {
  const r = parsePolicy(text, 'policy.yaml', { now: NOW });
  if (!r.ok) throw new Error(formatDiagnostics(r.errors));
  return r;
}

const FILE = `
defaults:
  storage_workspace: 100G
  storage_images: 50G
  storage_data: 200G
  storage_tmp: 50G
default_group: students
groups:
  students: {}
  researchers:
    members: [rita]
    storage_workspace: 1T
user_overrides:
  uma:
    storage_workspace: null
policies:
  soft_limit_threshold: 0.9
  enforce_storage_quotas: false
`;

describe('storage quotas in resource-limits.yaml', () => {
  it('reads storage_workspace / storage_images as sizes, layered defaults ← group ← user', () => {
    const { policy } = ok(FILE);
    const at = (name: string) => resolveLimits(policy, { name, groups: [] }, NOW).limits;
    expect(at('sam')).toMatchObject({ storageWorkspaceBytes: 100 * GiB, storageImagesBytes: 50 * GiB });
    expect(at('rita').storageWorkspaceBytes).toBe(1024 * GiB);
    expect(at('uma').storageWorkspaceBytes).toBeNull();
    expect(policy.lifecycle).toMatchObject({ storageSoftThreshold: 0.9, enforceStorageQuotas: false });
  });

  it('warns that storage_data and storage_tmp are not enforced, saying why', () => {
    const { warnings } = ok(FILE);
    const msgs = warnings.map((w) => `${w.message} | ${w.hint}`);
    expect(msgs.find((m) => m.includes('"storage_data"'))).toMatch(/per-user data directory/);
    expect(msgs.find((m) => m.includes('"storage_tmp"'))).toMatch(/writable layer/);
    expect(warnings.some((w) => /storage_workspace|storage_images|soft_limit/.test(w.message))).toBe(false);
  });

  it('defaults to no quota, an 80% soft limit and enforcement on', () => {
    const { policy } = ok('defaults:\n  priority: 10\n');
    expect(policy.defaults).toMatchObject({ storageWorkspaceBytes: null, storageImagesBytes: null });
    expect(policy.lifecycle).toMatchObject({ storageSoftThreshold: 0.8, enforceStorageQuotas: true });
  });

  it('refuses a threshold outside (0, 1] and a size that is not one', () => {
    for (const bad of ['policies:\n  soft_limit_threshold: 80\n', 'policies:\n  soft_limit_threshold: 0\n']) {
      const r = parsePolicy(bad, 'p.yaml', { now: NOW });
      expect(r.ok).toBe(false);
    }
    const r = parsePolicy('defaults:\n  storage_workspace: lots\n', 'p.yaml', { now: NOW });
    expect(r.ok ? [] : r.errors.map((e) => e.line)).toEqual([2]);
  });

  it('lets a group set its own soft threshold; enforce_storage_quotas is system-wide', () => {
    const { policy } = ok(
      'default_group: g\ngroups:\n  g:\n    policies:\n      soft_limit_threshold: 0.5\n',
    );
    expect(resolveLimits(policy, { name: 'x', groups: ['g'] }, NOW).lifecycle.storageSoftThreshold).toBe(0.5);
    const r = parsePolicy(
      'default_group: g\ngroups:\n  g:\n    policies:\n      enforce_storage_quotas: false\n',
      'p',
      { now: NOW },
    );
    expect(r.ok).toBe(false);
  });

  it('config explain shows the quotas, the soft limit they warn at, and whether they are enforced', () => {
    const { policy } = ok(FILE);
    const text = explain(policy, { name: 'sam', groups: [] }, NOW, 'policy.yaml');
    expect(text).toMatch(/storage_workspace\s+100g\s+defaults \(line 3\)/);
    expect(text).toMatch(/storage_images\s+50g/);
    expect(text).toContain(
      'storage: warning at 90% of a quota (workspace at 90g, images at 45g)\n  not enforced',
    );
  });
});

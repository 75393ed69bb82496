import { describe, expect, it } from 'vitest';
import { type DoctorFacts, runChecks, worstOf } from './checks.js';

function facts(over: { [K in keyof DoctorFacts]?: Partial<DoctorFacts[K]> } = {}): DoctorFacts {
  const base: DoctorFacts = {
    docker: {
      reachable: true,
      version: '26.1.5',
      error: null,
      runtimes: ['io.containerd.runc.v2', 'runc'],
      cgroupDriver: 'cgroupfs',
    },
    hook: {
      searchPath: ['/tmp/d/bin', '/usr/bin'],
      found: [{ name: 'nvidia-container-runtime-hook', path: '/tmp/d/bin/nvidia-container-runtime-hook' }],
    },
    nvidiaSmi: { setting: '/x/nvidia-smi', resolved: '/x/nvidia-smi', probeError: null, gpus: 4, slots: 13 },
    mig: {
      enableMig: true,
      migProfile: null,
      gpus: [
        { index: 0, name: 'A100', migEnabled: true, profiles: ['3g.40gb', '1g.10gb'] },
        { index: 2, name: 'A100', migEnabled: false, profiles: [] },
      ],
    },
    slices: { aggregateLimits: false, cgroupDriver: 'cgroupfs', parentSliceExists: false },
    database: { ok: true, problems: [], schemaVersion: 2, latestVersion: 2 },
    policy: { file: '/etc/ds01/resource-limits.yaml', lastError: null, runningOnLastGood: null },
  };
  const out = { ...base } as Record<string, unknown>;
  for (const [k, v] of Object.entries(over))
    out[k] = { ...(base as unknown as Record<string, object>)[k], ...v };
  return out as unknown as DoctorFacts;
}
const byId = (f: DoctorFacts) => Object.fromEntries(runChecks(f).map((c) => [c.id, c]));

describe('doctor checks', () => {
  it('a healthy test host passes every check', () => {
    const checks = runChecks(facts());
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['docker', 'ok'],
      ['nvidia-hook', 'ok'],
      ['nvidia-smi', 'ok'],
      ['mig-layout', 'ok'],
      ['slices', 'ok'],
      ['database', 'ok'],
      ['policy', 'ok'],
    ]);
    expect(worstOf(checks.map((c) => c.status))).toBe('ok');
  });

  it('no hook and no nvidia runtime fails with an install hint; a runtime alone warns', () => {
    const c = byId(facts({ hook: { found: [] } }))['nvidia-hook'];
    expect(c).toMatchObject({ status: 'fail' });
    expect(c?.hint).toMatch(/nvidia-container-toolkit/);
    expect(c?.detail).toMatch(/\/tmp\/d\/bin/);
    const w = byId(facts({ hook: { found: [] }, docker: { runtimes: ['nvidia', 'runc'] } }))['nvidia-hook'];
    expect(w?.status).toBe('warn');
  });

  it('nvidia-smi missing or failing fails with the right hint', () => {
    const missing = byId(facts({ nvidiaSmi: { resolved: null } }))['nvidia-smi'];
    expect(missing).toMatchObject({ status: 'fail' });
    expect(missing?.hint).toMatch(/--nvidia-smi/);
    const broken = byId(facts({ nvidiaSmi: { probeError: 'exit 9: driver not loaded' } }))['nvidia-smi'];
    expect(broken?.detail).toMatch(/driver not loaded/);
  });

  it('MIG layout: instances of another profile, MIG without instances, MIG against the policy', () => {
    expect(byId(facts({ mig: { migProfile: '3g.40gb' } }))['mig-layout']?.detail).toMatch(
      /1g\.10gb where the policy/,
    );
    expect(
      byId(facts({ mig: { gpus: [{ index: 1, name: 'A100', migEnabled: true, profiles: [] }] } }))[
        'mig-layout'
      ]?.detail,
    ).toMatch(/no instances/);
    expect(byId(facts({ mig: { enableMig: false } }))['mig-layout']?.status).toBe('warn');
  });

  it('docker down, slices required but missing, a damaged database, a bad policy edit', () => {
    const f = facts({
      docker: { reachable: false, error: 'connect ENOENT /var/run/docker.sock' },
      slices: { aggregateLimits: true, cgroupDriver: 'systemd' },
      database: { ok: false, problems: ['row 3 missing from index'] },
      policy: { lastError: 'resource-limits.yaml:3:1: unknown key' },
    });
    const c = byId(f);
    expect(c.docker?.status).toBe('fail');
    expect(c.slices?.hint).toMatch(/ds01\.slice/);
    expect(c.database?.status).toBe('fail');
    expect(c.policy?.status).toBe('warn');
    expect(worstOf(runChecks(f).map((x) => x.status))).toBe('fail');
  });

  it("cgroupfs: ok when live users' parents match the policy, fail naming the uid and file when one drifts", () => {
    expect(byId(facts({ slices: { aggregateLimits: true, userCgroups: [] } })).slices?.status).toBe('ok');
    const c = byId(
      facts({
        slices: {
          aggregateLimits: true,
          userCgroups: [{ uid: 1001, problems: ['pids.max holds 7, policy says 64'] }],
        },
      }),
    );
    expect(c.slices?.status).toBe('fail');
    expect(c.slices?.detail).toBe('uid 1001: pids.max holds 7, policy says 64');
  });

  it('the state directory disk: ok below 90% used, warns when nearly full, fails at 98%; skipped when not read', () => {
    const disk = (usedPct: number) => ({
      path: '/var/lib/ds01',
      mount: '/var',
      sizeBytes: 100 * 1024 ** 3,
      availableBytes: (100 - usedPct) * 1024 ** 3,
      usedPct,
    });
    const check = (stateDisk: DoctorFacts['stateDisk']) => byId({ ...facts(), stateDisk })['state-disk'];
    expect(check(disk(40))).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/40% used, 60\.0 GiB free/),
    });
    const nearly = check(disk(93));
    expect(nearly).toMatchObject({ status: 'warn', detail: expect.stringMatching(/nearly full/) });
    expect(nearly?.hint).toMatch(/free space on \/var/);
    expect(check(disk(99))?.status).toBe('fail');
    expect(check(null)?.status).toBe('warn');
    expect(byId(facts())['state-disk']).toBeUndefined();
  });

  it('GPU health: a drained GPU and use outside ds01 warn, once per GPU, with what to do', () => {
    const gpuHealth = {
      drained: [
        { gpuIndex: 1, reason: 'Xid 79: GPU has fallen off the bus (kernel log); drained by ds01d' },
        { gpuIndex: 1, reason: 'Xid 79: GPU has fallen off the bus (kernel log); drained by ds01d' },
      ],
      unmanaged: [{ gpuIndex: 2, who: 'bob (python3 train.py)' }],
    };
    const c = byId({ ...facts(), gpuHealth })['gpu-health'];
    expect(c?.status).toBe('warn');
    expect(c?.detail).toBe(
      'GPU 1: drained (Xid 79: GPU has fallen off the bus (kernel log); drained by ds01d); GPU 2: used outside ds01 by bob (python3 train.py)',
    );
    expect(c?.hint).toMatch(/gpu undrain/);
    expect(byId({ ...facts(), gpuHealth: { drained: [], unmanaged: [] } })['gpu-health']?.status).toBe('ok');
  });

  it('GPU health conditions: a warning and an unhealthy GPU, with what to do for each', () => {
    const gpuHealth = {
      drained: [],
      unmanaged: [],
      conditions: [
        {
          gpuIndex: 3,
          state: 'warning' as const,
          reason: 'hot (91 C, threshold 89 C)',
          todo: ['check the cooling'],
        },
        {
          gpuIndex: 0,
          state: 'unhealthy' as const,
          reason: 'answers with errors (x: ERR!)',
          todo: ['reset it'],
        },
      ],
    };
    const c = byId({ ...facts(), gpuHealth })['gpu-health'];
    expect(c).toMatchObject({
      status: 'warn',
      detail: 'GPU 3: warning: hot (91 C, threshold 89 C); GPU 0: unhealthy: answers with errors (x: ERR!)',
    });
    expect(c?.hint).toMatch(/^check the cooling; reset it; /);
  });

  it('Docker stats: empty ones make idle detection blind (fail when all are, warn when some are)', () => {
    const ok: { name: string; empty: boolean; error: string | null } = {
      name: 'a._.1001',
      empty: false,
      error: null,
    };
    const blind = { name: 'b._.1002', empty: true, error: null };
    const stats = (sampled: (typeof ok)[]) =>
      byId({ ...facts(), dockerStats: { running: 5, sampled } })['docker-stats'];
    expect(stats([])).toMatchObject({ status: 'ok', detail: expect.stringMatching(/no running container/) });
    expect(stats([ok, ok])).toMatchObject({ status: 'ok', detail: expect.stringMatching(/2 of 5 running/) });
    expect(stats([ok, blind])?.status).toBe('warn');
    const all = stats([blind, { ...blind, name: 'c._.1003', error: 'cannot find cgroup mount destination' }]);
    expect(all?.status).toBe('fail');
    expect(all?.detail).toMatch(
      /^Docker returns empty stats for 2 of 2 sampled container\(s\): b\._\.1002, c\._\.1003 \(cannot find cgroup mount destination\)\. Idle detection is blind/,
    );
    expect(all?.hint).toMatch(/docker stats --no-stream/);
    // Not gathered (no Docker): no check.
    expect(byId(facts())['docker-stats']).toBeUndefined();
  });
});

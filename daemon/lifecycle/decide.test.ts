// decide() over a table of scenarios with a fake clock: the time is a parameter, samples are data.
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../policy/load.js';
import { resolveLimits } from '../policy/resolve.js';
import type { ResolvedLimits } from '../policy/types.js';
import { decide } from './decide.js';
import { explainDecision } from './explain.js';
import { carryQuietSince } from './idle.js';
import type { DecideInput, LifecycleContainer, Sample, SentWarning } from './types.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const T0 = Date.parse('2026-03-02T09:00:00Z');

const POLICY = `
defaults:
  idle_timeout: 30m
  max_runtime: 2h
  gpu_hold_after_stop: 15m
  container_hold_after_stop: 1d
  max_extensions: 2
  extension_duration: 1h
default_group: students
groups:
  students: {}
policies:
  gpu_idle_threshold: 5
  cpu_idle_threshold: 2
  network_idle_threshold: 1k
  idle_detection_window: 3
  grace_period: 5m
  keep_alive_max: 2h
  warning_points: [10m, 5m]
  sigterm_grace: 45s
  never_started_timeout: 30m
  high_demand_threshold: 0.8
  high_demand_idle_factor: 0.5
exemptions:
  - user: erin
    keys: lifecycle
    expires: 2026-03-31
    reason: thesis deadline
  - user: frank
    keys: [idle_timeout]
    expires: 2026-03-01
    reason: expired already
`;

function limitsFor(user: string, now = T0): ResolvedLimits {
  const r = parsePolicy(POLICY, 'test.yaml', { now: new Date(now) });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return resolveLimits(r.policy, { name: user, groups: [] }, new Date(now));
}

const quiet = { gpuUtilPct: null, gpuProcesses: null, cpuPct: 0.1, netBytesPerSec: 0, sessions: 0 };

/** Samples every minute from `from` to `to` (inclusive), with the store's carried quietSince. */
function series(from: number, to: number, signals: Partial<Sample> = {}, start: Sample[] = []): Sample[] {
  const lc = limitsFor('ann').lifecycle;
  const out = [...start];
  for (let ts = from; ts <= to; ts += M) {
    const s: Sample = { ts, ...quiet, ...signals };
    s.quietSince = carryQuietSince(out[out.length - 1], s, lc, null);
    out.push(s);
  }
  return out;
}

function container(over: Partial<LifecycleContainer> = {}): LifecycleContainer {
  return {
    id: 'c1',
    name: 'proj._.1001',
    project: 'proj',
    ownerUid: 1001,
    ownerName: 'ann',
    state: 'running',
    createdAt: T0,
    startedAt: T0,
    stoppedAt: null,
    runtimeMs: 0,
    extensions: 0,
    extensionMs: 0,
    ...over,
  };
}

function input(over: Partial<DecideInput> = {}): DecideInput {
  return {
    container: container(),
    samples: [],
    limits: limitsFor('ann'),
    allocations: [],
    keepAlive: false,
    allocatedFraction: 0.1,
    warningsSent: [],
    ...over,
  };
}

/** The last idle warning of the stretch that began at T0+5m, sent at T0+30m. */
const warnedIdle = [{ key: `idle:${T0 + 5 * M}`, pointMs: 5 * M, at: T0 + 30 * M }];

// Busy for the grace period, then quiet from T0+5m on: idle since T0+5m, idle deadline T0+35m.
const idleAfterGrace = (to: number) => series(T0 + 5 * M, to, {}, series(T0, T0 + 4 * M, { cpuPct: 50 }));

describe('decide: idle', () => {
  const rows: {
    name: string;
    at: number;
    over: Partial<DecideInput>;
    action: string;
    deadlineKind?: string;
    deadlineAt?: number;
    reason?: RegExp;
  }[] = [
    {
      name: 'within the startup grace period nothing happens, even when quiet',
      at: T0 + 4 * M,
      over: { samples: series(T0, T0 + 4 * M) },
      action: 'none',
      reason: /grace period/,
    },
    {
      name: 'idle by GPU but busy by CPU is busy',
      at: T0 + 50 * M,
      over: { samples: series(T0, T0 + 50 * M, { gpuUtilPct: 0, gpuProcesses: 1, cpuPct: 85 }) },
      action: 'none',
      reason: /busy: CPU 85%/,
    },
    {
      name: 'busy by GPU utilisation on a whole GPU, CPU idle',
      at: T0 + 50 * M,
      over: { samples: series(T0, T0 + 50 * M, { gpuUtilPct: 60, gpuProcesses: 1 }) },
      action: 'none',
      reason: /busy: GPU 60%/,
    },
    {
      name: 'a whole GPU with a process but 0% utilisation is idle (memory held, nothing computed)',
      at: T0 + 36 * M,
      over: {
        samples: idleAfterGrace(T0 + 36 * M).map((s) => ({ ...s, gpuUtilPct: 0, gpuProcesses: 1 })),
        warningsSent: warnedIdle,
      },
      action: 'stop',
      deadlineKind: 'idle',
    },
    {
      name: 'a MIG slot reports no utilisation: processes on it mean busy',
      at: T0 + 50 * M,
      over: { samples: series(T0, T0 + 50 * M, { gpuUtilPct: null, gpuProcesses: 2 }) },
      action: 'none',
      reason: /2 process\(es\) on its GPU slice/,
    },
    {
      name: 'a MIG slot with no processes and quiet CPU is idle',
      at: T0 + 36 * M,
      over: {
        samples: idleAfterGrace(T0 + 36 * M).map((s) => ({ ...s, gpuProcesses: 0 })),
        warningsSent: warnedIdle,
      },
      action: 'stop',
      deadlineKind: 'idle',
    },
    {
      name: 'network traffic counts as activity',
      at: T0 + 50 * M,
      over: { samples: series(T0, T0 + 50 * M, { netBytesPerSec: 50_000 }) },
      action: 'none',
      reason: /network 48.8 KiB\/s/,
    },
    {
      name: 'an attached ds01 shell counts as activity',
      at: T0 + 50 * M,
      over: { samples: series(T0, T0 + 50 * M, { sessions: 1 }) },
      action: 'none',
      reason: /1 ds01 session\(s\) attached \(shell, SSH or forwarded port\)/,
    },
    {
      name: 'unknown CPU is never taken for idle',
      at: T0 + 50 * M,
      over: { samples: series(T0, T0 + 50 * M, { cpuPct: null }) },
      action: 'none',
      reason: /CPU not measured/,
    },
    {
      name: 'fewer quiet samples than the detection window is not idle yet',
      at: T0 + 40 * M,
      over: { samples: series(T0 + 39 * M, T0 + 40 * M, {}, series(T0, T0 + 38 * M, { cpuPct: 50 })) },
      action: 'none',
      reason: /quiet for 2 of 3 samples/,
    },
    {
      name: 'idle: first warning at 10 minutes before the deadline',
      at: T0 + 25 * M,
      over: { samples: idleAfterGrace(T0 + 25 * M) },
      action: 'warn',
      deadlineKind: 'idle',
      deadlineAt: T0 + 35 * M,
      reason: /will be stopped in 10m: idle for 20m/,
    },
    {
      name: 'idle past the timeout after both warnings: stop',
      at: T0 + 35 * M,
      over: {
        samples: idleAfterGrace(T0 + 35 * M),
        warningsSent: [
          { key: `idle:${T0 + 5 * M}`, pointMs: 10 * M, at: T0 + 25 * M },
          { key: `idle:${T0 + 5 * M}`, pointMs: 5 * M, at: T0 + 30 * M },
        ],
      },
      action: 'stop',
      deadlineAt: T0 + 35 * M,
      reason: /stopped: idle for 30m/,
    },
    {
      name: 'keep-alive file within its cap: no stop at the idle timeout',
      at: T0 + 40 * M,
      over: { samples: idleAfterGrace(T0 + 40 * M), keepAlive: true },
      action: 'none',
      deadlineKind: 'runtime', // max runtime (T0+2h) now comes before the keep-alive cap (T0+2h05m)
      deadlineAt: T0 + 2 * H,
    },
    {
      name: 'keep-alive file past its cap no longer protects',
      at: T0 + 5 * M + 2 * H,
      over: {
        samples: idleAfterGrace(T0 + 5 * M + 2 * H),
        keepAlive: true,
        container: container({ runtimeMs: 0 }),
        limits: { ...limitsFor('ann'), limits: { ...limitsFor('ann').limits, maxRuntimeMs: null } },
        warningsSent: [{ key: `idle:${T0 + 5 * M}`, pointMs: 5 * M, at: T0 + 2 * H }],
      },
      action: 'stop',
      deadlineKind: 'idle',
      reason: /keep-alive file honoured for at most 2h/,
    },
    {
      name: 'high demand halves the idle timeout',
      at: T0 + 21 * M,
      over: {
        samples: idleAfterGrace(T0 + 21 * M),
        allocatedFraction: 0.9,
        warningsSent: [{ key: `idle:${T0 + 5 * M}`, pointMs: 5 * M, at: T0 + 15 * M }],
      },
      action: 'stop',
      deadlineAt: T0 + 20 * M,
      reason: /allowed 15m; shortened from 30m because GPUs are in high demand/,
    },
    {
      name: 'below the high-demand threshold the full timeout applies',
      at: T0 + 21 * M,
      over: { samples: idleAfterGrace(T0 + 21 * M), allocatedFraction: 0.5 },
      action: 'none',
      deadlineAt: T0 + 35 * M,
    },
  ];
  for (const r of rows) {
    it(r.name, () => {
      const d = decide(input(r.over), r.at);
      expect(d.action, d.reason).toBe(r.action);
      if (r.deadlineKind) expect(d.deadline?.kind).toBe(r.deadlineKind);
      if (r.deadlineAt !== undefined) expect(d.deadline?.at).toBe(r.deadlineAt);
      if (r.reason) expect(d.reason).toMatch(r.reason);
    });
  }

  it('never stops without warning first: a deadline that jumps into the past is announced, then kept back', () => {
    // High demand turns on late: the shortened deadline (T0+20m) is already past and nothing was sent.
    const samples = idleAfterGrace(T0 + 30 * M);
    const over = { samples, allocatedFraction: 0.95 };
    const first = decide(input(over), T0 + 30 * M);
    expect(first.action).toBe('warn');
    expect(first.deadline?.at).toBe(T0 + 35 * M); // now + the smallest warning point
    expect(first.warning).toEqual({ pointMs: 5 * M, covers: [10 * M, 5 * M] });
    const sent: SentWarning[] = first.warning!.covers.map((p) => ({
      key: first.deadline!.key,
      pointMs: p,
      at: T0 + 30 * M,
    }));
    expect(decide(input({ ...over, warningsSent: sent }), T0 + 33 * M).action).toBe('none');
    expect(decide(input({ ...over, warningsSent: sent }), T0 + 35 * M).action).toBe('stop');
  });

  it('each warning point is sent once per deadline; a new idle stretch is a new deadline', () => {
    const samples = idleAfterGrace(T0 + 26 * M);
    const d = decide(input({ samples }), T0 + 26 * M);
    expect(d.action).toBe('warn');
    const sent = [{ key: d.deadline!.key, pointMs: 10 * M, at: T0 + 26 * M }];
    expect(decide(input({ samples, warningsSent: sent }), T0 + 27 * M).action).toBe('none');
    expect(decide(input({ samples, warningsSent: sent }), T0 + 31 * M).warning?.pointMs).toBe(5 * M);
    // Busy for a while, then quiet again: a new stretch, a new key, warnings again.
    const again = series(
      T0 + 41 * M,
      T0 + 66 * M,
      {},
      series(T0 + 5 * M, T0 + 40 * M, { cpuPct: 30 }, series(T0, T0 + 4 * M)),
    );
    const d2 = decide(input({ samples: again, warningsSent: sent }), T0 + 66 * M);
    expect(d2.deadline?.key).toBe(`idle:${T0 + 41 * M}`);
    expect(d2.action).toBe('warn');
  });

  it('the idle start survives sample pruning (carried in the newest samples)', () => {
    const all = idleAfterGrace(T0 + 36 * M);
    const pruned = all.slice(-4);
    const sent = [{ key: `idle:${T0 + 5 * M}`, pointMs: 5 * M, at: T0 + 30 * M }];
    const d = decide(input({ samples: pruned, warningsSent: sent }), T0 + 36 * M);
    expect(d.action).toBe('stop');
    expect(d.deadline?.key).toBe(`idle:${T0 + 5 * M}`);
  });

  it('samples from before the current run do not count', () => {
    const old = series(T0 - 2 * H, T0 - H);
    const d = decide(input({ samples: old }), T0 + 10 * M);
    expect(d.action).toBe('none');
    expect(d.idle?.idleSince).toBeNull();
  });

  it('stop carries the SIGTERM grace from the policy', () => {
    const sent = [{ key: `idle:${T0 + 5 * M}`, pointMs: 5 * M, at: T0 + 30 * M }];
    const d = decide(input({ samples: idleAfterGrace(T0 + 36 * M), warningsSent: sent }), T0 + 36 * M);
    expect(d).toMatchObject({ action: 'stop', graceSec: 45 });
  });
});

describe('decide: max runtime', () => {
  const busy = (to: number) => series(to - 10 * M, to, { cpuPct: 90 });

  it('counts runtime across restarts: a restart does not reset it', () => {
    // 1h40m ran before; restarted at T0: the 2h limit ends at T0+20m, not T0+2h.
    const c = container({ runtimeMs: 100 * M, startedAt: T0 });
    const warn = decide(input({ container: c, samples: busy(T0 + 10 * M) }), T0 + 10 * M);
    expect(warn.action).toBe('warn');
    expect(warn.deadline).toMatchObject({ kind: 'runtime', at: T0 + 20 * M });
    const sent = [{ key: warn.deadline!.key, pointMs: 5 * M, at: T0 + 15 * M }];
    const stop = decide(input({ container: c, samples: busy(T0 + 20 * M), warningsSent: sent }), T0 + 20 * M);
    expect(stop.action).toBe('stop');
    expect(stop.reason).toMatch(/max runtime 2h reached \(ran 2h in all, across restarts\)/);
    expect(stop.runtime).toEqual({ usedMs: 2 * H, limitMs: 2 * H });
  });

  it('an extension moves the deadline and is a new deadline for warnings', () => {
    const c = container({ extensions: 1, extensionMs: H });
    const d = decide(input({ container: c, samples: busy(T0 + 2 * H) }), T0 + 2 * H);
    expect(d.action).toBe('none');
    expect(d.deadline).toMatchObject({ kind: 'runtime', at: T0 + 3 * H, key: `runtime:${T0}:${3 * H}` });
    expect(d.reason).toMatch(/busy: CPU 90%/);
  });

  it('the earliest deadline wins: runtime before idle', () => {
    const c = container({ runtimeMs: 110 * M });
    const d = decide(input({ container: c, samples: idleAfterGrace(T0 + 9 * M) }), T0 + 9 * M);
    expect(d.deadline?.kind).toBe('runtime');
    expect(d.action).toBe('warn');
  });
});

describe('decide: exemptions', () => {
  it('a lifecycle exemption lifts idle stop, max runtime and removal, and says so', () => {
    const limits = limitsFor('erin');
    const c = container({ ownerName: 'erin', runtimeMs: 10 * H });
    const d = decide(input({ container: c, limits, samples: idleAfterGrace(T0 + 3 * H) }), T0 + 3 * H);
    expect(d.action).toBe('none');
    expect(d.deadline).toBeNull();
    expect(d.exempt).toEqual([
      'no idle stop: exempt until 2026-03-31 (thesis deadline)',
      'no max runtime: exempt until 2026-03-31 (thesis deadline)',
      'no automatic removal: exempt until 2026-03-31 (thesis deadline)',
    ]);
    const stopped = container({ ownerName: 'erin', state: 'exited', stoppedAt: T0 });
    expect(decide(input({ container: stopped, limits }), T0 + 30 * 24 * H).action).toBe('none');
  });

  it('an expired exemption does not apply', () => {
    const limits = limitsFor('frank');
    expect(limits.limits.idleTimeoutMs).toBe(30 * M);
    const d = decide(input({ limits, samples: idleAfterGrace(T0 + 25 * M) }), T0 + 25 * M);
    expect(d.action).toBe('warn');
    expect(d.exempt).toEqual([]);
  });
});

describe('decide: stopped, never started, transitions', () => {
  it('hold expiry: an overdue GPU hold is released, then the container removed after its hold', () => {
    const c = container({ state: 'exited', stoppedAt: T0 + H });
    const held = [{ slot: 'MIG-1', state: 'held' as const, holdUntil: T0 + H + 15 * M }];
    expect(decide(input({ container: c, allocations: held }), T0 + H + 10 * M)).toMatchObject({
      action: 'none',
      deadline: { kind: 'gpu-hold', at: T0 + H + 15 * M },
      nextCheckAt: T0 + H + 15 * M,
    });
    expect(decide(input({ container: c, allocations: held }), T0 + H + 15 * M).action).toBe('release-gpu');
    // Released: next is removal, a day after the stop, warned first.
    const warn = decide(input({ container: c }), T0 + H + 24 * H - 10 * M);
    expect(warn).toMatchObject({ action: 'warn', deadline: { kind: 'removal', at: T0 + 25 * H } });
    expect(warn.reason).toMatch(/will be removed \(the workspace is kept\) in 10m/);
    // container-why says it once: not "It will be removed … at X: will be removed … in 10m: …".
    const why = explainDecision(input({ container: c }), warn, T0 + H + 24 * H - 10 * M).text;
    const line = why.find((l) => l.startsWith('It will be removed')) as string;
    expect(line).toMatch(/^It will be removed \(the workspace is kept\) at .* \(in 10m\): stopped /);
    expect(line.match(/will be removed/g)).toHaveLength(1);
    const sent = [{ key: warn.deadline!.key, pointMs: 5 * M, at: T0 + 25 * H - 5 * M }];
    const rm = decide(input({ container: c, warningsSent: sent }), T0 + 25 * H);
    expect(rm.action).toBe('remove');
    expect(rm.reason).toMatch(/the workspace is kept/);
  });

  it('an active allocation of a stopped container (no hold recorded) is released after gpu_hold_after_stop', () => {
    const c = container({ state: 'exited', stoppedAt: T0 });
    const active = [{ slot: 'GPU-1', state: 'active' as const, holdUntil: null }];
    expect(decide(input({ container: c, allocations: active }), T0 + 14 * M).action).toBe('none');
    expect(decide(input({ container: c, allocations: active }), T0 + 15 * M).action).toBe('release-gpu');
  });

  it('a GPU held with no end (hold = until removed) is never released early', () => {
    const c = container({ state: 'exited', stoppedAt: T0 });
    const held = [{ slot: 'GPU-1', state: 'held' as const, holdUntil: null }];
    const d = decide(input({ container: c, allocations: held }), T0 + 20 * M);
    expect(d.action).toBe('none');
    expect(d.deadline?.kind).toBe('removal');
  });

  it('created but never started: warned, then removed after the timeout', () => {
    const c = container({ state: 'created', startedAt: null });
    expect(decide(input({ container: c }), T0 + 10 * M).action).toBe('none');
    const w = decide(input({ container: c }), T0 + 20 * M);
    expect(w).toMatchObject({ action: 'warn', deadline: { kind: 'never-started', at: T0 + 30 * M } });
    const sent = [{ key: w.deadline!.key, pointMs: 10 * M, at: T0 + 20 * M }];
    expect(decide(input({ container: c, warningsSent: sent }), T0 + 30 * M).action).toBe('remove');
  });

  it('a container in transition is never acted on', () => {
    const sent = [{ key: `idle:${T0 + 5 * M}`, pointMs: 5 * M, at: T0 + 30 * M }];
    const over = { samples: idleAfterGrace(T0 + 40 * M), warningsSent: sent };
    expect(decide(input(over), T0 + 40 * M).action).toBe('stop');
    expect(decide(input({ ...over, inTransition: true }), T0 + 40 * M).action).toBe('none');
    const restarting = container({ state: 'restarting' });
    expect(decide(input({ ...over, container: restarting }), T0 + 40 * M).reason).toMatch(/in transition/);
  });

  it('no warning points configured: acts at the deadline', () => {
    const base = limitsFor('ann');
    const limits = { ...base, lifecycle: { ...base.lifecycle, warningPointsMs: [] } };
    const d = decide(input({ limits, samples: idleAfterGrace(T0 + 35 * M) }), T0 + 35 * M);
    expect(d.action).toBe('stop');
  });
});

describe('decide: paused (container-pause)', () => {
  // Ran 20 minutes, paused at T0+20m: the store has runtime 20m and stopped_at = the pause.
  const paused = (over: Partial<LifecycleContainer> = {}) =>
    container({ state: 'paused', stoppedAt: T0 + 20 * M, runtimeMs: 20 * M, ...over });

  it('is never stopped for idleness, however quiet, but is stopped at max_pause (builtin 2h) with warnings', () => {
    const samples = idleAfterGrace(T0 + 60 * M);
    // erin's exemption lifts max_runtime, so the pause deadline is the only one.
    const limits = limitsFor('erin');
    const early = decide(input({ container: paused(), samples, limits }), T0 + 60 * M);
    expect(early.action).toBe('none');
    expect(early.reason).toMatch(/^paused \(not stopped for idleness\)/);
    expect(early.deadline).toMatchObject({ kind: 'pause', at: T0 + 20 * M + 2 * H, outcome: 'stop' });
    const warn = decide(input({ container: paused(), samples, limits }), T0 + 20 * M + 2 * H - 10 * M);
    expect(warn.action).toBe('warn');
    const stop = decide(
      input({
        container: paused(),
        limits,
        warningsSent: [{ key: `pause:${T0 + 20 * M}`, pointMs: 10 * M, at: T0 + 20 * M + 2 * H - 10 * M }],
      }),
      T0 + 20 * M + 2 * H,
    );
    expect(stop.action).toBe('stop');
    expect(stop.reason).toMatch(/paused for 2h.*max_pause 2h.*container-unpause proj/);
  });

  it('its paused time counts towards max_runtime (2h here): the earlier deadline wins', () => {
    const d = decide(input({ container: paused({ runtimeMs: 110 * M }) }), T0 + 20 * M);
    expect(d.deadline).toMatchObject({ kind: 'runtime', at: T0 + 30 * M });
    expect(d.runtime).toEqual({ usedMs: 110 * M, limitMs: 2 * H });
  });

  it('with max_pause null and no runtime limit, nothing is scheduled', () => {
    const r = parsePolicy(
      `${POLICY.replace('  never_started_timeout: 30m', '  never_started_timeout: 30m\n  max_pause: null')}`,
      't.yaml',
      {
        now: new Date(T0),
      },
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const limits = resolveLimits(r.policy, { name: 'erin', groups: [] }, new Date(T0));
    const d = decide(input({ container: paused(), limits }), T0 + 10 * H);
    expect(d.action).toBe('none');
    expect(d.deadline).toBeNull();
    expect(d.reason).toBe('paused; no max_pause applies');
  });
});

describe('decide: a booking of its slot', () => {
  const busy = (to: number) => series(to - 10 * M, to, { cpuPct: 90 });
  const booking = { at: T0 + 30 * M, bookingId: 4, maintenance: false };

  it('cuts the run at the booking: warned at the points before, then stopped, with who-and-when in words', () => {
    const warn = decide(input({ samples: busy(T0 + 21 * M), booking }), T0 + 21 * M);
    expect(warn.action).toBe('warn');
    expect(warn.deadline).toMatchObject({ kind: 'booking', at: T0 + 30 * M, outcome: 'stop' });
    expect(warn.reason).toBe(
      'will be stopped in 9m: its GPU slot is booked by someone from 2026-03-02 09:30 UTC',
    );
    const sent = [
      { key: warn.deadline!.key, pointMs: 10 * M, at: T0 + 21 * M },
      { key: warn.deadline!.key, pointMs: 5 * M, at: T0 + 25 * M },
    ];
    const stop = decide(input({ samples: busy(T0 + 30 * M), booking, warningsSent: sent }), T0 + 30 * M);
    expect(stop).toMatchObject({ action: 'stop', graceSec: 45 });
    expect(stop.reason).toMatch(/^stopped: its GPU slot is booked by someone from/);
  });

  it('a booking made late still gets the smallest warning point of notice', () => {
    const late = decide(input({ samples: busy(T0 + 29 * M), booking }), T0 + 29 * M);
    expect(late.action).toBe('warn');
    expect(late.deadline?.at).toBe(T0 + 34 * M);
  });

  it('a maintenance booking says so; an earlier deadline still comes first', () => {
    const c = container({ runtimeMs: 110 * M });
    const d = decide(
      input({ container: c, samples: busy(T0 + 9 * M), booking: { ...booking, maintenance: true } }),
      T0 + 9 * M,
    );
    expect(d.deadline?.kind).toBe('runtime');
    const m = decide(
      input({ samples: busy(T0 + 29 * M), booking: { ...booking, maintenance: true } }),
      T0 + 29 * M,
    );
    expect(m.reason).toMatch(/booked for maintenance from/);
    // A paused container holds its slot too: stopped at the booking like a running one.
    const paused = container({ state: 'paused', stoppedAt: T0 + 20 * M, runtimeMs: 20 * M });
    const p = decide(input({ container: paused, booking }), T0 + 30 * M);
    expect(p.deadline).toMatchObject({ kind: 'booking' });
  });
});

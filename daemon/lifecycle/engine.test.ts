// The reconciler over a real SQLite store with fake ports (Docker, container service) and a fake clock:
// warnings once, re-read before acting, one container's failure does not stop the sweep.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withRawDb } from '../../testing/kits/raw-db.js';
import type { AccountLookup } from '../identity/nss.js';
import { silentLogger } from '../log.js';
import { parsePolicy } from '../policy/load.js';
import { Store } from '../store/index.js';
import { LifecycleEngine } from './engine.js';
import { renderNotice } from './words.js';

const S = 1000;
const T0 = Date.parse('2026-03-02T09:00:00Z');
const POLICY = `
defaults: { idle_timeout: 1m, max_runtime: 1h, container_hold_after_stop: 2m, gpu_hold_after_stop: 1m }
default_group: students
groups: { students: {} }
policies: { grace_period: 10s, idle_detection_window: 2, warning_points: [30s, 10s], never_started_timeout: null }
`;

let dir: string;
let store: Store;
let now: number;
let dockerState: Map<string, string>;
let calls: string[];
let failStop: Set<string>;
let written: string[];

const accounts: AccountLookup = {
  byUid: async (uid) => ({
    uid,
    gid: uid,
    name: `u${uid}`,
    home: '/nonexistent',
    shell: '/bin/sh',
    groups: [],
  }),
  byName: async () => null,
  groupMembers: async () => null,
};

function engine(clock: { now: () => number } = { now: () => now }) {
  const parsed = parsePolicy(POLICY, 'p.yaml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return new LifecycleEngine({
    store,
    policy: () => parsed.policy,
    accounts,
    actions: {
      stop: async (id) => {
        if (failStop.has(id)) throw new Error('dockerd said no');
        calls.push(`stop ${id}`);
        store.containers.markState(id, 'exited', now);
        dockerState.set(id, 'exited');
      },
      remove: async (id) => {
        calls.push(`remove ${id}`);
        store.containers.markRemoved(id, now);
      },
      releaseGpu: (id) => void calls.push(`release ${id}`),
      sessionsOf: () => 0,
    },
    docker: {
      state: async (id) => dockerState.get(id) ?? null,
      // An idle container: CPU counters that do not move.
      stats: async () => ({
        cpu_stats: { cpu_usage: { total_usage: 5e9 }, system_cpu_usage: now * 1e6, online_cpus: 2 },
      }),
    },
    gpus: { last: null, refresh: async () => null },
    clock,
    log: silentLogger,
    notifyTerminals: (user, text) => {
      written.push(`${user.name}: ${text}`);
      return ['/dev/pts/9'];
    },
  });
}

function add(id: string, state: 'running' | 'exited', at = T0) {
  store.containers.insert({
    id,
    name: `${id}._.1001`,
    project: id,
    owner_uid: 1001,
    owner_name: 'u1001',
    image: 'img',
    state,
    created_at: at,
    started_at: state === 'running' ? at : null,
  });
  if (state === 'exited')
    withRawDb(store, (db) => db.prepare('UPDATE containers SET stopped_at = ? WHERE id = ?').run(at, id));
  dockerState.set(id, state);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds01-lifecycle-'));
  store = Store.open(join(dir, 'ds01.db'));
  now = T0;
  dockerState = new Map();
  calls = [];
  failStop = new Set();
  written = [];
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sweep every `step` seconds up to `until` (ms after T0). */
async function run(e: LifecycleEngine, until: number, step = 5) {
  for (; now <= T0 + until; now += step * S) await e.sweep({ dryRun: false, sample: true });
}

describe('LifecycleEngine', () => {
  it('an idle container: each warning point once (terminal, event, notice), then stopped with the reason', async () => {
    add('idle', 'running');
    const e = engine();
    // Grace 10 s; quiet from the 2nd sample (15 s) → idle since 15 s, deadline 75 s; warnings at 45 s and 65 s.
    await run(e, 80 * S);
    e.stop();
    const warnings = store.events.query({ kind: 'lifecycle.warning' });
    expect(warnings.map((w) => w.data?.pointSec)).toEqual([30, 10]);
    expect(written.filter((w) => /will be stopped/.test(w))).toHaveLength(2);
    expect(calls).toEqual(['stop idle']);
    const stopped = store.events.query({ kind: 'lifecycle.stopped' });
    expect(stopped).toHaveLength(1);
    expect(stopped[0]?.reason).toMatch(/^stopped: idle for 1m/);
    // The 10 s warning supersedes the 30 s one for the same deadline: one warning, then the action.
    expect(e.notices.forUser(1001, { unreadOnly: true, since: 0 }).map((n) => [n.kind, n.point_ms])).toEqual([
      ['warning', 10 * S],
      ['action', 0],
    ]);
  });

  it('several warning points passed at once: one notice, its time rendered when read, not frozen', async () => {
    add('late', 'exited', T0 - 10 * 60 * S); // overdue for removal: both points (30 s, 10 s) pass at once
    const e = engine();
    await e.sweep({ dryRun: false, sample: false });
    e.stop();
    const rows = e.notices.forUser(1001, { unreadOnly: true, since: 0 });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.message).toContain('{in}');
    const at = rows[0]?.deadline_at as number;
    expect(renderNotice(rows[0]?.message as string, at, now)).toMatch(
      /will be removed .* in \d+s: stopped 10m ago/,
    );
    // Read an hour later it says when that was, not "in 30s".
    const later = renderNotice(rows[0]?.message as string, at, now + 3600 * S);
    expect(later).not.toMatch(/ in \d/);
    expect(later).toMatch(
      /will be removed \(the workspace is kept\) at 2026-03-02 \d\d:\d\d UTC \(59m( \d+s)? ago\)/,
    );
    // Marking the shown one read marks the one it superseded too.
    store.tx(() => e.notices.markShown([rows[0]?.id as number], now));
    expect(e.notices.forUser(1001, { unreadOnly: true, since: 0 })).toEqual([]);
  });

  it('re-reads Docker before acting: a container Docker reports differently is left for the next sweep', async () => {
    add('drift', 'exited', T0 - 10 * 60 * S); // overdue for removal
    const e = engine();
    // Warned first (minimum notice), then due.
    await e.sweep({ dryRun: false, sample: false });
    now += 11 * S;
    dockerState.set('drift', 'running'); // someone started it behind ds01's back
    const r = await e.sweep({ dryRun: false, sample: false });
    e.stop();
    expect(calls).toEqual([]);
    expect(r.entries[0]?.decision.reason).toMatch(/Docker reports running while ds01 has exited/);
  });

  it('one container failing is recorded and the sweep goes on', async () => {
    add('bad', 'running');
    add('good', 'running');
    failStop.add('bad');
    const e = engine();
    await run(e, 80 * S);
    e.stop();
    expect(calls).toEqual(['stop good']);
    const errors = store.events.query({ kind: 'lifecycle.error' });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]?.reason).toMatch(/could not stop it: dockerd said no/);
  });

  it('a dry run decides without acting, warning or sampling', async () => {
    add('old', 'exited', T0 - 10 * 60 * S);
    const e = engine();
    const r = await e.sweep({ dryRun: true, sample: true });
    e.stop();
    expect(r.entries[0]?.decision.action).toBe('warn');
    expect(r.sampled).toBe(0);
    expect(calls).toEqual([]);
    expect(store.events.query({ kind: 'lifecycle.' })).toEqual([]);
  });

  it('exact timers: a removal happens at its deadline without another sweep', async () => {
    const stoppedAt = Date.now() - 2 * 60 * S + 300; // removal due ~300 ms from now (real clock)
    add('timed', 'exited', stoppedAt);
    const e = engine({ now: () => Date.now() });
    // Warnings for this deadline were already sent (so the minimum notice does not push it back).
    for (const p of [30 * S, 10 * S])
      e.notices.add({
        uid: 1001,
        container_id: 'timed',
        container_name: 'timed._.1001',
        kind: 'warning',
        deadline_key: `removal:${stoppedAt}`,
        point_ms: p,
        deadline_at: null,
        message: 'm',
        created_at: Date.now() - 60 * S,
      });
    const first = await e.sweep({ dryRun: false, sample: false });
    expect(first.entries[0]?.decision.action).toBe('none');
    expect(e.pendingTimers()).toBe(1);
    await new Promise((r) => setTimeout(r, 600));
    e.stop();
    expect(calls).toEqual(['remove timed']);
  });
});

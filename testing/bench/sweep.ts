// A lifecycle sweep over 300 containers: 20 really running on a private dockerd (one-shot Docker stats
// sampled in parallel), 280 stopped or never started (rows in a real SQLite store, as after a busy term).
// The engine runs in-process with the daemon's own Docker probe; stops and removals are counted, not done.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { systemClock } from '../../daemon/clock.js';
import { DockerClient } from '../../daemon/docker/client.js';
import type { AccountLookup } from '../../daemon/identity/nss.js';
import { LifecycleEngine } from '../../daemon/lifecycle/engine.js';
import { silentLogger } from '../../daemon/log.js';
import { parsePolicy } from '../../daemon/policy/load.js';
import { dockerProbe } from '../../daemon/services/lifecycle-actions.js';
import { Store } from '../../daemon/store/index.js';
import { startPrivateDockerd } from '../harness/dockerd.js';
import { ensureBaseImage } from '../harness/images.js';
import { withRawDb } from '../kits/raw-db.js';
import { type BenchResult, round } from './types.js';

const RUNNING = 20;
const TOTAL = 300;
const USERS = 60;

const POLICY = `
defaults: { idle_timeout: 30m, max_runtime: 48h, gpu_hold_after_stop: 15m, container_hold_after_stop: 2d }
default_group: students
groups: { students: {} }
`;

export default async function sweepBench(): Promise<BenchResult[]> {
  const dockerd = await startPrivateDockerd();
  const dir = mkdtempSync(join(tmpdir(), 'ds01-bench-sweep-'));
  const store = Store.open(join(dir, 'ds01.db'));
  try {
    const docker = new Docker({ socketPath: dockerd.socketPath });
    const image = await ensureBaseImage(docker);
    const parsed = parsePolicy(POLICY, 'bench.yaml');
    if (!parsed.ok) throw new Error('bench policy invalid');
    const now = Date.now();
    const running: string[] = [];
    await Promise.all(
      Array.from({ length: RUNNING }, async (_, i) => {
        const c = await docker.createContainer({
          Image: image,
          Cmd: ['sleep', '3600'],
          HostConfig: { Init: true },
        });
        await c.start();
        running.push(c.id);
        void i;
      }),
    );
    const exited: string[] = [];
    store.tx(() => {
      for (let i = 0; i < TOTAL; i++) {
        const uid = 20_000 + (i % USERS);
        const isRunning = i < RUNNING;
        const id = isRunning ? (running[i] as string) : `fake${String(i).padStart(60, '0')}`;
        // Stopped a few hours ago (inside the 2-day hold), or created and never started.
        const state = isRunning ? 'running' : i % 7 === 0 ? 'created' : 'exited';
        store.containers.insert({
          id,
          name: `p${i}._.${uid}`,
          project: `p${i}`,
          owner_uid: uid,
          owner_name: `user${uid}`,
          image,
          state,
          created_at: now - 3 * 3600_000,
          started_at: isRunning ? now - 3600_000 : null,
        });
        if (state === 'exited') exited.push(id);
      }
    });
    // Back-date the stopped ones (no repo does that, on purpose): after the transaction, on a second connection.
    withRawDb(store, (db) => {
      const st = db.prepare('UPDATE containers SET stopped_at = ?, runtime_ms = ? WHERE id = ?');
      for (const id of exited) st.run(now - 2 * 3600_000, 3600_000, id);
    });
    const accounts: AccountLookup = {
      byUid: async (uid) => ({
        uid,
        gid: uid,
        name: `user${uid}`,
        home: `/nonexistent/${uid}`,
        shell: '/bin/sh',
        groups: [],
      }),
      byName: async () => null,
      groupMembers: async () => null,
    };
    let acted = 0;
    const engine = new LifecycleEngine({
      store,
      policy: () => parsed.policy,
      accounts,
      actions: {
        stop: async () => void acted++,
        remove: async () => void acted++,
        releaseGpu: () => void acted++,
        sessionsOf: () => 0,
      },
      docker: dockerProbe(new DockerClient(docker)),
      gpus: { last: null, refresh: async () => null },
      clock: systemClock,
      log: silentLogger,
      notifyTerminals: () => [],
    });
    const out: BenchResult[] = [];
    // Two sampling sweeps (the second has CPU counters to compare against), then timed ones.
    await engine.sweep({ dryRun: false, sample: true });
    const t0 = performance.now();
    const full = await engine.sweep({ dryRun: false, sample: true });
    const fullMs = performance.now() - t0;
    if (full.entries.length !== TOTAL) throw new Error(`swept ${full.entries.length}, expected ${TOTAL}`);
    if (full.sampled !== RUNNING) throw new Error(`sampled ${full.sampled}, expected ${RUNNING}`);
    out.push({
      name: `sweep with sampling, ${TOTAL} containers (${RUNNING} running on dockerd)`,
      value: round(fullMs, 0),
      unit: 'ms',
      notes: `one-shot Docker stats (each waits for dockerd’s 1 s tick), 32 in parallel; decide + re-read for all ${TOTAL}; ${acted} actions`,
    });
    const decideOnly: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await engine.sweep({ dryRun: true, sample: false });
      decideOnly.push(performance.now() - t);
    }
    out.push({
      name: `dry-run sweep (decide only), ${TOTAL} containers`,
      value: round(Math.min(...decideOnly), 1),
      unit: 'ms',
      notes: 'best of 5; store reads, policy resolve per owner, keep-alive lookups',
    });
    out.push({ name: 'samples stored after the sweeps', value: engine.samples.count(), unit: 'rows' });
    for (const id of running)
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
    return out;
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
    await dockerd.stop();
  }
}

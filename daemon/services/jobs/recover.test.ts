// Restart recovery against a real (temporary) SQLite store and a scripted Docker: what each job ends as.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobState } from '../../jobs/states.js';
import { Store } from '../../store/index.js';
import { JobRunner, type JobsDeps } from './runner.js';

type Info = Awaited<ReturnType<JobsDeps['ops']['exitInfo']>>;

let dir: string;
let store: Store;
let docker: Map<string, Info>;
let startable: boolean;
let released: string[];

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function fakeStart(id: string): Promise<void> {
  if (!startable) throw new Error('cannot start');
  docker.set(id, { status: 'running', exitCode: 0, oomKilled: false, startedAt: 5_000, finishedAt: null });
}

function runner(): JobRunner {
  const d: JobsDeps = {
    store,
    containers: {
      createForJob: async () => {
        throw new Error('not in these tests');
      },
      // Recovery starts through the workspace binder's path; the fake Docker start stands in for it.
      startJobContainer: async (id) => fakeStart(id),
      stopAsDaemon: async () => undefined,
      removeAsDaemon: async () => undefined,
    },
    ops: {
      start: async (id) => fakeStart(id),
      exitInfo: async (id) => docker.get(id) ?? null,
      imageExists: async () => true,
    },
    queue: null,
    leases: {
      releaseForContainer: (id) => {
        released.push(id);
      },
      limitsOf: async () => {
        throw new Error('not in these tests');
      },
    },
    accounts: {
      byUid: async (uid) => ({
        uid,
        gid: uid,
        name: 'alice',
        home: '/home/alice',
        shell: '/bin/sh',
        groups: [],
      }),
      byName: async () => null,
      groupMembers: async () => null,
    },
    clock: { now: () => 10_000 },
    log: quiet,
  };
  return new JobRunner(d);
}

function job(state: JobState, containerId: string | null, after: number | null = null): number {
  const id = store.jobs.insert({
    owner_uid: 1000,
    owner_name: 'alice',
    name: 'train',
    project: 'jobs',
    request_json: JSON.stringify({ command: ['true'], cpuOnly: true }),
    state,
    after_id: after,
    time_limit_ms: null,
    log_path: '/home/alice/workspace/jobs/.ds01/jobs/1.log',
    submitted_at: 1_000,
  });
  if (containerId)
    store.jobs.transition(id, [state], state, { container_id: containerId, started_at: 2_000 });
  return id;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds01-jobs-'));
  store = Store.open(join(dir, 'ds01.db'));
  docker = new Map();
  startable = true;
  released = [];
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('recover', () => {
  it('running stays running; exited gets its exit code; vanished is lost with the evidence', async () => {
    const running = job('running', 'c-run');
    const exited = job('running', 'c-exit');
    const gone = job('running', 'c-gone');
    docker.set('c-run', {
      status: 'running',
      exitCode: 0,
      oomKilled: false,
      startedAt: 2_000,
      finishedAt: null,
    });
    docker.set('c-exit', {
      status: 'exited',
      exitCode: 4,
      oomKilled: false,
      startedAt: 2_000,
      finishedAt: 8_000,
    });
    await runner().recover();
    expect(store.jobs.get(running)?.state).toBe('running');
    expect(store.jobs.get(exited)).toMatchObject({ state: 'failed', exit_code: 4, ended_at: 8_000 });
    expect(store.jobs.get(gone)).toMatchObject({ state: 'lost', exit_code: null });
    expect(store.jobs.get(gone)?.reason).toContain('c-gone');
    expect(released.sort()).toEqual(['c-exit', 'c-gone']);
  });

  it('created but never started (ds01d died in between): started now, or failed if it cannot start', async () => {
    const a = job('starting', 'c-a');
    docker.set('c-a', {
      status: 'created',
      exitCode: 0,
      oomKilled: false,
      startedAt: null,
      finishedAt: null,
    });
    await runner().recover();
    expect(store.jobs.get(a)).toMatchObject({ state: 'running', started_at: 5_000 });

    startable = false;
    const b = job('starting', 'c-b');
    docker.set('c-b', {
      status: 'created',
      exitCode: 0,
      oomKilled: false,
      startedAt: null,
      finishedAt: null,
    });
    await runner().recover();
    expect(store.jobs.get(b)?.state).toBe('failed');
    expect(store.jobs.get(b)?.reason).toContain('could not be started');
    expect(released).toContain('c-b');
  });

  it('starting without a container is lost; pending after a failed job fails, with the reason', async () => {
    const nothing = job('starting', null);
    const dep = job('failed', null);
    store.jobs.transition(dep, ['failed'], 'failed', { reason: 'exited with code 1' });
    const waiting = job('pending', null, dep);
    await runner().recover();
    expect(store.jobs.get(nothing)).toMatchObject({
      state: 'lost',
      reason: 'ds01d stopped while creating its container',
    });
    expect(store.jobs.get(waiting)?.state).toBe('failed');
    expect(store.jobs.get(waiting)?.reason).toContain(`dependency job ${dep} did not complete successfully`);
  });
});

// Processes outside ds01 on a GPU (issue 18), on the real daemon reading the real /proc: a ds01
// container's own process is attributed to it through its cgroup; a user's process on bare metal and a
// container ds01 did not make are "unmanaged": the slot shows busy (unmanaged) with owner and command, is
// not handed out, and the owner is told by an event. When the process ends the slot is free again and the
// queue is served.
import { type ChildProcess, spawn } from 'node:child_process';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AuditEvent, DeployResult, GpuList } from '../../daemon/api/types/index.js';
import { startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { loadGpuScenario } from '../harness/fake-gpu.js';
import { cleanupTestUsers, isRoot, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let sleeper: ChildProcess | null = null;
let foreign: Docker.Container | null = null;

/** Two whole GPUs (the consumer card twice); `procs[i]` are GPU i's compute processes. */
function twoGpus(procs: { pid: number; name: string }[][] = [[], []]): Record<string, unknown> {
  const s = loadGpuScenario('consumer') as { gpus: Record<string, unknown>[] };
  const g = s.gpus[0] as Record<string, unknown>;
  const gpu = (i: number) => ({
    ...g,
    index: i,
    uuid: `GPU-da411dfd-72f1-a344-7c74-5c48c0b90a1${i}`,
    busId: `00000000:0${i + 1}:00.0`,
    minorNumber: i,
    processes: (procs[i] ?? []).map((p) => ({ ...p, usedMemoryMiB: 1024 })),
  });
  return { ...s, gpus: [gpu(0), gpu(1)] };
}

const gpuList = async (u?: TestUser) =>
  JSON.parse((await d.cli(['gpu', 'list', '--json'], u)).stdout) as GpuList;
const refresh = async () => expect((await d.cli(['gpu', 'refresh'])).code).toBe(0);

describe.skipIf(!isRoot())('unmanaged GPU processes (real /proc, real containers)', () => {
  beforeAll(async () => {
    ({ d, alice, bob, carol } = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      scenario: twoGpus(),
      env: { DS01_PROC_ROOT: '/proc' },
      policyEdits: { 'defaults.max_runtime': '1h', 'defaults.idle_timeout': '1h' },
    }));
  }, 120_000);
  afterAll(async () => {
    sleeper?.kill('SIGKILL');
    await foreign?.remove({ force: true }).catch(() => undefined);
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('attributes, shows, refuses, tells, and frees again when the process ends', async () => {
    // alice's ds01 container takes one GPU; its process runs in its cgroup.
    const dep = await d.cli(
      ['container', 'deploy', 'mine', '--gpus', '1', '--yes', '--background', '--json'],
      alice,
    );
    expect(dep.code, dep.stderr).toBe(0);
    const mine = (JSON.parse(dep.stdout) as DeployResult).container;
    const minePid = (await docker.getContainer(mine?.id as string).inspect()).State.Pid;
    const aliceGpu = mine?.gpuSlots[0]?.uuid as string;
    const other = aliceGpu.endsWith('0') ? 1 : 0;
    const mineIndex = 1 - other;

    // bob computes on the other GPU on bare metal.
    sleeper = spawn(
      'setpriv',
      [`--reuid=${bob.uid}`, `--regid=${bob.gid}`, '--init-groups', 'sleep', '600'],
      {
        stdio: 'ignore',
      },
    );
    const procs: { pid: number; name: string }[][] = [[], []];
    procs[mineIndex] = [{ pid: minePid, name: 'python3' }];
    procs[other] = [{ pid: sleeper.pid as number, name: 'python3 train.py' }];
    d.gpu.setScenario(twoGpus(procs));
    await refresh();

    const list = await gpuList(carol);
    const ours = list.slots.find((s) => s.uuid === aliceGpu);
    const busy = list.slots.find((s) => s.gpuIndex === other);
    expect(ours?.unmanaged).toEqual([]); // its process is alice's container's
    expect(busy?.unmanaged).toMatchObject([
      { pid: sleeper.pid, user: bob.name, command: 'python3 train.py' },
    ]);
    expect(busy?.unmanagedBlocks).toBe(true);
    const table = await d.cli(['gpu', 'list'], alice);
    expect(table.stdout).toMatch(new RegExp(`busy \\(unmanaged\\)\\s+${bob.name}: python3 train\\.py`));

    // Not handed out: alice's next GPU deploy queues although ds01 holds only one of two GPUs.
    const queued = await d.cli(
      ['container', 'deploy', 'next', '--gpus', '1', '--queue', '--yes', '--background', '--json'],
      alice,
    );
    expect(JSON.parse(queued.stdout) as DeployResult, queued.stderr).toMatchObject({ status: 'queued' });

    // bob is told: the event is about him (he sees it), and names the process.
    const ev = await d.cli(['events', '--kind', 'gpu.unmanaged', '--json'], bob);
    const mineEv = (JSON.parse(ev.stdout) as AuditEvent[]).filter((e) => e.kind === 'gpu.unmanaged');
    expect(mineEv).toHaveLength(1);
    expect(mineEv[0]?.reason).toMatch(
      new RegExp(`${bob.name}'s process ${sleeper.pid} \\(python3 train\\.py\\)`),
    );

    // The process ends: the next probe frees the slot and serves alice's queued deploy on it.
    sleeper.kill('SIGKILL');
    await until(
      async () => {
        try {
          process.kill(sleeper?.pid as number, 0);
          return false;
        } catch {
          return true;
        }
      },
      (gone) => gone,
    );
    await refresh();
    const served = await until(
      async () => (await d.request('GET', '/v1/events?kind=queue.served')).body as AuditEvent[],
      (e) => e.length > 0,
      60_000,
    );
    expect(served[0]?.subjectUid).toBe(alice.uid);
    expect((await d.request('GET', '/v1/events?kind=gpu.unmanaged_gone')).body).toHaveLength(1);
    const after = (await gpuList(carol)).slots.find((s) => s.gpuIndex === other);
    expect(after?.unmanaged).toEqual([]);
    expect(after?.holder?.user).toBe(alice.name);
  }, 240_000);

  it('a container ds01 did not make counts as unmanaged, named by its short id', async () => {
    foreign = await docker.createContainer({ Image: inject('baseImage'), Cmd: ['sleep', '600'] });
    await foreign.start();
    const pid = (await foreign.inspect()).State.Pid;
    const procs: { pid: number; name: string }[][] = [[], []];
    procs[0] = [{ pid, name: 'miner' }];
    d.gpu.setScenario(twoGpus(procs));
    await refresh();
    const slot = (await gpuList(carol)).slots.find((s) => s.gpuIndex === 0);
    expect(slot?.unmanaged).toMatchObject([{ pid, user: 'root', foreignContainer: foreign.id.slice(0, 12) }]);
    const ev = (await d.request('GET', '/v1/events?kind=gpu.unmanaged')).body as AuditEvent[];
    expect(ev.at(-1)?.reason).toMatch(/which ds01 did not make/);
  }, 120_000);
});

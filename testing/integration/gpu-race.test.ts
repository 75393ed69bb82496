// The race from issue 4: 3 real users send 30 concurrent GPU deploys for 7 MIG slots through the daemon's
// socket (as themselves: SO_PEERCRED). Exactly 7 win; the rest queue and are served strictly in queue order
// as slots are released (one retire at a time); docker inspect shows every container holding exactly the
// slot UUIDs ds01 allocated to it, and no UUID twice.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ContainerSummary, DeployResult, QueueEntryView } from '../../daemon/api/types/index.js';
import { editPolicy, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { loadGpuScenario } from '../harness/fake-gpu.js';
import { cleanupTestUsers, createTestUser, isRoot, runAs, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
let d: TestDaemon;
let users: TestUser[] = [];

/** One GPU, MIG on, 7× 1g.10gb: exactly 7 slots. */
function sevenSlots(): Record<string, unknown> {
  const s = loadGpuScenario('a100-mig-mixed') as { gpus: { index: number }[] };
  const g = s.gpus.find((x) => x.index === 1) as Record<string, unknown>;
  return { ...s, gpus: [{ ...g, index: 0, processes: [] }] };
}

/** The API as the user (curl over the socket: identity from the kernel, like the CLI). */
async function api<T>(
  u: TestUser,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const args = ['-s', '-o', '-', '-w', '\n%{http_code}', '--unix-socket', d.socket, '-X', method];
  if (body !== undefined)
    args.push('-H', 'content-type: application/json', '--data-binary', JSON.stringify(body));
  args.push(`http://ds01${path}`);
  const r = await runAs(u, 'curl', args, { timeout: 120_000 });
  const nl = r.stdout.lastIndexOf('\n');
  const status = Number(r.stdout.slice(nl + 1));
  const text = r.stdout.slice(0, nl);
  return { status, body: (text ? JSON.parse(text) : null) as T };
}

const allQueue = async () => (await d.request('GET', '/v1/queue')).body as QueueEntryView[];
const allContainers = async () => (await d.request('GET', '/v1/containers?all=1')).body as ContainerSummary[];

describe.skipIf(!isRoot())('30 concurrent GPU deploys for 7 slots (3 real users)', () => {
  beforeAll(async () => {
    users = [await createTestUser(), await createTestUser(), await createTestUser()];
    d = await startTestDaemon({ dockerHost: inject('dockerHost'), scenario: sevenSlots() });
    // Quotas must not decide who wins: only the 7 slots do.
    editPolicy(d.policyPath, {
      'defaults.max_mig_instances': 10,
      'defaults.max_containers_per_user': 20,
      'defaults.max_runtime': '1h',
      'defaults.idle_timeout': '1h',
    });
    const r = await d.cli(['config', 'reload']);
    expect(r.code, r.stderr).toBe(0);
    await d.cli(['gpu', 'refresh']);
  }, 60_000);
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('exactly 7 win, 23 queue, and each release serves the head of the queue', async () => {
    const requests = Array.from({ length: 30 }, (_, i) => ({
      user: users[i % 3] as TestUser,
      name: `race${i}`,
    }));
    const answers = await Promise.all(
      requests.map((r) =>
        api<DeployResult>(r.user, 'POST', '/v1/containers/deploy', { name: r.name, gpus: 1, queue: true }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(7);
    expect(statuses.filter((s) => s === 202)).toHaveLength(23);
    for (const a of answers) expect(a.body.status).toBe(a.status === 200 ? 'running' : 'queued');

    await checkDockerMatchesAllocations(7);
    let waiting = (await allQueue()).filter((e) => e.state === 'waiting');
    expect(waiting).toHaveLength(23);
    expect(waiting.map((e) => e.position).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      Array.from({ length: 23 }, (_, i) => i + 1),
    );

    // Release one slot at a time (the owner retires a running container): the entry at position 1 — and
    // only it — is served, and its container runs with the freed slot.
    for (let round = 0; round < 23; round++) {
      const head = waiting.find((e) => e.position === 1) as QueueEntryView;
      const running = (await allContainers()).filter((c) => c.state === 'running' && c.gpuSlots.length);
      expect(running).toHaveLength(7);
      const victim = running[round % running.length] as ContainerSummary;
      const owner = users.find((u) => u.uid === victim.ownerUid) as TestUser;
      const freed = victim.gpuSlots[0]?.uuid;
      const r = await api(owner, 'POST', `/v1/containers/${victim.id}/retire`, { force: true });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const after = await until(allQueue, (q) => q.find((e) => e.id === head.id)?.state !== 'waiting');
      const served = after.find((e) => e.id === head.id) as QueueEntryView;
      if (served.state !== 'served') {
        const ev = (await d.request('GET', '/v1/events?limit=80')).body as {
          kind: string;
          reason: string;
          containerName: string;
          data: unknown;
        }[];
        console.log(
          JSON.stringify(head),
          ev.map((e) => `${e.kind} ${e.containerName} ${e.reason} ${JSON.stringify(e.data)}`).join('\n'),
        );
      }
      expect(served.state, served.note ?? '').toBe('served');
      waiting = after.filter((e) => e.state === 'waiting');
      expect(waiting).toHaveLength(22 - round);
      const c = (await allContainers()).find((x) => x.id === served.containerId) as ContainerSummary;
      expect(c.ownerUid).toBe(head.ownerUid);
      expect(c.gpuSlots.map((s) => s.uuid)).toEqual([freed]);
    }
    await checkDockerMatchesAllocations(7);
    // Every owner was told when their queued deploy was served.
    for (const u of users) {
      const ev = await api<{ kind: string }[]>(u, 'GET', '/v1/events?kind=queue.served');
      const queuedByU = answers.filter((a, i) => a.status === 202 && requests[i]?.user === u).length;
      expect(ev.body).toHaveLength(queuedByU);
    }
  }, 300_000);
});

/** docker inspect: each ds01 container asks Docker for exactly the UUIDs ds01 allocated to it. */
async function checkDockerMatchesAllocations(expected: number) {
  const list = (await allContainers()).filter((c) => c.gpuSlots.length > 0);
  expect(list).toHaveLength(expected);
  const seen = new Set<string>();
  for (const c of list) {
    const info = await docker.getContainer(c.id).inspect();
    const ids = (info.HostConfig.DeviceRequests ?? []).flatMap((r) => r.DeviceIDs ?? []);
    const allocated = c.gpuSlots.map((s) => s.uuid);
    expect(ids.sort()).toEqual([...allocated].sort());
    for (const u of allocated) {
      expect(seen.has(u)).toBe(false);
      seen.add(u);
    }
  }
}

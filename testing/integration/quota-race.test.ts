// Issue 13 hole 6: quotas hold under concurrency. 40 deploys fired at once by one real user used to leave
// 3–6 live containers against max_containers_per_user: 2, because every request passed a count taken
// before any of them was recorded. Ground truth is Docker's own list.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { editPolicy, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { cleanupTestUsers, createTestUser, isRoot, runAs, type TestUser } from '../harness/users.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
const image = inject('baseImage');
let d: TestDaemon;

/** POST as a real user (curl over the socket: identity from the kernel) → HTTP status. */
async function post(user: TestUser, path: string, body: unknown): Promise<number> {
  const r = await runAs(
    user,
    'curl',
    [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--unix-socket',
      d.socket,
      '-H',
      'content-type: application/json',
      '-d',
      JSON.stringify(body),
      `http://ds01${path}`,
    ],
    { timeout: 120_000 },
  );
  return Number(r.stdout);
}

/** What Docker itself holds for the user (not what ds01 believes). */
async function dockerContainers(user: TestUser) {
  return docker.listContainers({ all: true, filters: { label: [`ds01.owner.uid=${user.uid}`] } });
}

describe.skipIf(!isRoot())('quotas under concurrency', () => {
  beforeAll(async () => {
    d = await startTestDaemon({ dockerHost: inject('dockerHost') });
    editPolicy(d.policyPath, {
      'defaults.max_containers_per_user': 2,
      'defaults.idle_timeout': '10m',
      'policies.never_started_timeout': '10m',
    });
    expect((await d.request('POST', '/v1/admin/policy/reload')).status).toBe(200);
  });
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('40 concurrent deploys from one user leave exactly max_containers_per_user live containers', async () => {
    const u = await createTestUser();
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        post(u, '/v1/containers/deploy', { name: `race${i}`, image, gpus: 0 }),
      ),
    );
    const ok = statuses.filter((s) => s === 200 || s === 201);
    expect(ok.length, `statuses: ${statuses.join(',')}`).toBe(2);
    expect(statuses.filter((s) => s === 403).length).toBe(38); // QUOTA_EXCEEDED
    const live = await dockerContainers(u);
    expect(live.map((c) => c.Names[0])).toHaveLength(2);
    // The store agrees with Docker.
    expect(JSON.parse((await d.cli(['container', 'list', '--json'], u)).stdout)).toHaveLength(2);
  });

  it('concurrent creates of one name make one container', async () => {
    const u = await createTestUser();
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => post(u, '/v1/containers', { name: 'same', image, gpus: 0 })),
    );
    expect(statuses.filter((s) => s === 200 || s === 201).length, statuses.join(',')).toBe(1);
    expect(await dockerContainers(u)).toHaveLength(1);
  });

  it('20 concurrent GPU deploys never hold more slots than max_mig_instances', async () => {
    const u = await createTestUser();
    editPolicy(d.policyPath, { 'defaults.max_containers_per_user': 50 });
    expect((await d.request('POST', '/v1/admin/policy/reload')).status).toBe(200);
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(u, '/v1/containers/deploy', { name: `g${i}`, image, gpus: 1 }),
      ),
    );
    expect(statuses.filter((s) => s === 200 || s === 201).length, statuses.join(',')).toBe(2);
    const live = await dockerContainers(u);
    const devices = await Promise.all(
      live.map(async (c) => (await docker.getContainer(c.Id).inspect()).HostConfig.DeviceRequests ?? []),
    );
    const ids = devices.flat().flatMap((r) => r.DeviceIDs ?? []);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
  });
});

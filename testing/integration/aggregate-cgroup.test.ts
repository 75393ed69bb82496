// groups.<g>.aggregate is real: with enforcement.aggregate_limits on and the harness's dockerd on the
// cgroupfs driver, a user's containers go under ds01's per-user parent cgroup, whose files hold the
// group's caps, and a policy reload changes them for the user's live containers.
import { readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CGROUP_ROOT, detectLayout } from '../../daemon/cgroups/aggregate.js';
import { editPolicy, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import {
  addToGroup,
  cleanupTestUsers,
  createTestGroup,
  createTestUser,
  isRoot,
  type TestUser,
} from '../harness/users.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
const image = inject('baseImage');
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;

const v1 = detectLayout() === 'v1';
function cg(controller: string, file: string, uid: number): string {
  const dir = v1 ? `${CGROUP_ROOT}/${controller}/ds01/u${uid}` : `${CGROUP_ROOT}/ds01/u${uid}`;
  return readFileSync(`${dir}/${file}`, 'utf8').trim();
}
const memFile = v1 ? 'memory.limit_in_bytes' : 'memory.max';

describe.skipIf(!isRoot())('aggregate caps on the per-user cgroup (cgroupfs)', () => {
  beforeAll(async () => {
    alice = await createTestUser();
    bob = await createTestUser();
    d = await startTestDaemon({ dockerHost: inject('dockerHost') });
    editPolicy(d.policyPath, {
      'enforcement.aggregate_limits': true,
      'groups.students.aggregate': { memory_max: '256m', tasks_max: 64, cpu_quota: '200%' },
    });
    const r = await d.cli(['config', 'reload']);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await d?.cleanup();
    // Docker removed the containers' own cgroups; the parents are ds01's (kept across restarts by design).
    for (const c of v1
      ? ['memory', 'pids', 'cpu', 'cpuacct', 'cpuset', 'blkio', 'devices', 'freezer', 'systemd', 'unified']
      : ['']) {
      const base = c ? `${CGROUP_ROOT}/${c}` : CGROUP_ROOT;
      for (const u of [alice, bob]) {
        try {
          rmdirSync(`${base}/ds01/u${u?.uid}`);
        } catch {
          // not created in this hierarchy
        }
      }
    }
    await cleanupTestUsers();
  });

  it('the container runs under /ds01/u<uid>, whose files hold the group caps; a reload changes them', async () => {
    const info = await docker.info();
    expect(info.CgroupDriver).toBe('cgroupfs');
    const r = await d.cli(
      ['container-deploy', 'agg', '--image', image, '--cpu-only', '--background', '--json'],
      alice,
    );
    expect(r.code, r.stderr).toBe(0);
    const id = JSON.parse(r.stdout).container.id;
    const c = await docker.getContainer(id).inspect();
    expect(c.HostConfig.CgroupParent).toBe(`/ds01/u${alice.uid}`);
    // The kernel's view: the container's processes are in a child of the user's parent.
    const procCg = readFileSync(`/proc/${c.State.Pid}/cgroup`, 'utf8');
    expect(procCg).toMatch(new RegExp(`${v1 ? 'memory' : ''}:/ds01/u${alice.uid}/`));
    expect(cg('memory', memFile, alice.uid)).toBe(String(256 * 1024 * 1024));
    expect(cg('pids', 'pids.max', alice.uid)).toBe('64');
    if (v1) expect(cg('cpu', 'cpu.cfs_quota_us', alice.uid)).toBe('200000');
    else expect(cg('cpu', 'cpu.max', alice.uid)).toBe('200000 100000');

    // check-limits shows the caps the user is under.
    const limits = await d.cli(['check-limits'], alice);
    expect(limits.code, limits.stderr).toBe(0);
    expect(limits.stdout).toMatch(/aggregate/i);
    expect(limits.stdout).toMatch(/tasks_max: 64\n/);
    expect(limits.stdout).toMatch(/enforced: yes/);

    editPolicy(d.policyPath, { 'groups.students.aggregate': { memory_max: '512m', tasks_max: 128 } });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
    // Re-applied on the reload, for the user's live container (no new create).
    const deadline = Date.now() + 10_000;
    while (cg('pids', 'pids.max', alice.uid) !== '128' && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 200));
    expect(cg('pids', 'pids.max', alice.uid)).toBe('128');
    expect(cg('memory', memFile, alice.uid)).toBe(String(512 * 1024 * 1024));
    if (v1) expect(cg('cpu', 'cpu.cfs_quota_us', alice.uid)).toBe('-1');
    else expect(cg('cpu', 'cpu.max', alice.uid)).toBe('max 100000');

    // doctor sees the parent with the right values.
    const doc = await d.cli(['doctor', '--json']);
    const slices = (JSON.parse(doc.stdout).checks as { id: string; status: string; detail: string }[]).find(
      (x) => x.id === 'slices',
    );
    expect(slices?.status, JSON.stringify(slices)).toBe('ok');
    expect(slices?.detail).toMatch(/cgroupfs/);
    // ...and says so when a parent drifts from the policy.
    const pidsDir = v1 ? `${CGROUP_ROOT}/pids/ds01/u${alice.uid}` : `${CGROUP_ROOT}/ds01/u${alice.uid}`;
    writeFileSync(`${pidsDir}/pids.max`, '7');
    const drifted = (
      JSON.parse((await d.cli(['doctor', '--json'])).stdout).checks as {
        id: string;
        status: string;
        detail: string;
      }[]
    ).find((x) => x.id === 'slices');
    expect(drifted?.status).toBe('fail');
    expect(drifted?.detail).toMatch(new RegExp(`uid ${alice.uid}: .*pids.max holds 7`));
  });

  it('max_cpus above the aggregate cpu_quota: a reload is refused naming the group; a user the loader cannot place is clamped at deploy (no EINVAL)', async () => {
    // students (everyone's default group) gets a 2-CPU aggregate, and the edit raises max_cpus to 4.
    editPolicy(d.policyPath, {
      'groups.students.aggregate': { cpu_quota: '200%' },
      'groups.students.max_cpus': 4,
    });
    const refused = await d.cli(['config', 'reload']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr + refused.stdout).toMatch(
      /max_cpus 4 is more than group "students"'s aggregate cpu_quota of 2 CPUs \(200%\)/,
    );
    // The last good policy stays in force: max_cpus 1 from defaults.
    const explain = await d.cli(['config', 'explain', alice.name]);
    expect(explain.stdout).toMatch(/max_cpus\s+1\b/);

    // bob is in policy group LAB through his Linux group only: the loader checks his override against the
    // default group (no CPU cap), so it is accepted; at deploy he is in LAB and gets its 1 CPU, not 2.
    const lab = await createTestGroup('ds01lab');
    await addToGroup(bob.name, lab);
    editPolicy(d.policyPath, {
      'groups.students.max_cpus': null,
      'groups.students.aggregate': { tasks_max: 128 },
      [`groups.${lab}`]: { aggregate: { cpu_quota: '100%' } },
      [`user_overrides.${bob.name}`]: { max_cpus: 2 },
    });
    const ok = await d.cli(['config', 'reload']);
    expect(ok.code, ok.stderr).toBe(0);
    const r = await d.cli(
      ['container-deploy', 'clamped', '--image', image, '--cpu-only', '--background', '--json'],
      bob,
    );
    expect(r.code, r.stderr).toBe(0);
    const c = await docker.getContainer(JSON.parse(r.stdout).container.id).inspect();
    expect(c.State.Running).toBe(true);
    expect(c.HostConfig.NanoCpus).toBe(1e9);
    if (v1) expect(cg('cpu', 'cpu.cfs_quota_us', bob.uid)).toBe('100000');
    expect((await d.cli(['container-retire', 'clamped', '--yes'], bob)).code).toBe(0);
  });
});

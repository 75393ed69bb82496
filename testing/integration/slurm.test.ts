// A Slurm cluster (issue 24, docs/cluster.md) for real: Debian's slurmctld + slurmdbd + two `slurmd -N`
// nodes on this machine, each node with its own ds01d and fake MIG GPUs. The Slurm configuration is what
// `ds01 cluster render-slurm` made from the policy; a job submitted with `ds01 job submit --mig 1g.10gb`
// runs on the node Slurm chose, as the user, on the MIG UUID Slurm assigned; a group's GrpTRES holds
// across both nodes; killing a node's ds01d fails its job with the reason, and the node is drained. The
// nodes' ds01d talk to each other with munge-signed requests: `ds01 job logs` on one node reads a job
// that ran on the other (as the caller; another user is refused, an admin only with --admin, audited),
// and the dashboard shows every node, a killed one as unreachable.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLI_JS, FIXTURES, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { loadGpuScenario } from '../harness/fake-gpu.js';
import { freePort, type SlurmCluster, slurmDir, slurmMissing, startSlurm } from '../harness/slurm.js';
import { cleanupTestUsers, createTestUser, isRoot, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

const image = inject('baseImage');
const docker = new Docker({ socketPath: inject('dockerSocket') });
const missing = slurmMissing();
const CLUSTER = 'ds01test';

let dir: string;
let slurm: SlurmCluster;
const nodes: Record<string, TestDaemon> = {};
let alice: TestUser;
/** Each node's ds01d answers other nodes here (cluster_listen). */
let ports: { n1: number; n2: number };
let bob: TestUser;
/** `<node>:<index>` → slot UUID, from the rendered gres.conf (the order ds01d maps back with). */
const gresUuid = new Map<string, string>();

/** Two 1g.10gb slots on one A100, with UUIDs of this node's own. */
function scenarioFor(node: string) {
  const s = loadGpuScenario('a100-mig-mixed') as {
    gpus: { uuid: string; migDevices?: { uuid: string }[] }[];
  };
  const g = s.gpus[1] as { uuid: string; migDevices: { uuid: string }[] };
  const tag = (u: string) => `${u.slice(0, -2)}${node === 'n1' ? 'a1' : 'b2'}`;
  const gpu = {
    ...g,
    index: 0,
    uuid: tag(g.uuid),
    migDevices: g.migDevices.slice(0, 2).map((m) => ({ ...m, uuid: tag(m.uuid) })),
    processes: [],
  };
  return { ...s, description: `${node}: two 1g.10gb`, gpus: [gpu] };
}

function policyText(): string {
  const base = readFileSync(join(FIXTURES, 'policies/test-fast.yaml'), 'utf8');
  return base
    .replace('max_runtime: 2m', 'max_runtime: 10m')
    .replace(
      'groups:\n  students: {}',
      `groups:\n  students:\n    group_max_gpus: 2\n    members: [${alice.name}, ${bob.name}]\nuser_overrides:\n  ${bob.name}:\n    max_runtime: 20m`,
    );
}

const sh = (d: TestDaemon, args: string[], user?: TestUser) => d.cli(args, user, { timeout: 120_000 });

async function submit(user: TestUser, args: string[]): Promise<number> {
  const r = await sh(nodes.n1 as TestDaemon, ['job', 'submit', '--image', image, '--json', ...args], user);
  expect(r.code, r.stderr).toBe(0);
  const job = JSON.parse(r.stdout).job as { id: number; slurm?: { state: string } };
  expect(job.slurm?.state).toBeDefined();
  return job.id;
}

/** squeue's view: state, node, reason. */
async function squeue(sid: number): Promise<{ state: string; node: string; reason: string }> {
  const r = await slurm.run('squeue', ['-h', '-j', String(sid), '-o', '%T|%N|%r']);
  const [state = '', node = '', reason = ''] = r.stdout.trim().split('|');
  return { state, node, reason };
}

interface JobJson {
  id: number;
  state: string;
  reason: string | null;
  exitCode: number | null;
  slurm?: { state: string; node: string | null; reason: string | null };
}

async function show(via: TestDaemon, user: TestUser, sid: number): Promise<JobJson> {
  const r = await sh(via, ['job', 'show', String(sid), '--json'], user);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as JobJson;
}

/** The GRES indices Slurm assigned a job on its node. */
async function assignedIdx(sid: number): Promise<number[]> {
  const r = await slurm.run('scontrol', ['show', 'job', '-d', String(sid)]);
  const m = /GRES=gpu:[^(]*\(IDX:([0-9,-]+)\)/.exec(r.stdout);
  return (m?.[1] ?? '').split(',').filter(Boolean).map(Number);
}

/** The command's output in a real 80×24 terminal (tmux joins wrapped lines: a wrapped one is > 80). */
async function at80(d: TestDaemon, args: string[], user?: TestUser): Promise<string> {
  const q = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
  const server = `ds01s${process.pid}`;
  const tmux = (...a: string[]) => execFileSync('tmux', ['-L', server, ...a], { encoding: 'utf8' });
  const as = user ? ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--'] : [];
  const env = [`DS01_SOCKET=${d.socket}`, 'TERM=xterm-256color', 'NO_COLOR=1', `SLURM_CONF=${slurm.conf}`];
  const cmd = [...as, 'env', '-i', ...env, process.execPath, CLI_JS, ...args].map(q).join(' ');
  tmux(
    'new-session',
    '-d',
    '-s',
    'w',
    '-x',
    '80',
    '-y',
    '24',
    `sh -c ${q(`${cmd} </dev/null; echo ALL-DONE; sleep 600`)}`,
  );
  try {
    const end = Date.now() + 60_000;
    for (;;) {
      const out = tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'w');
      if (/^ALL-DONE$/m.test(out) || Date.now() > end) return out;
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    tmux('kill-server');
  }
}

async function dashboardNodes(
  via: TestDaemon,
  user: TestUser,
): Promise<{ name: string; reachable: boolean; error: string | null }[]> {
  const r = await sh(via, ['dashboard', '--json'], user);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).nodes;
}

const tooWide = (text: string) => text.split('\n').filter((l) => [...l].length > 80);

describe.skipIf(!isRoot() || missing.length > 0)('Slurm backend (slurmctld + 2 slurmd + slurmdbd)', () => {
  beforeAll(async () => {
    alice = await createTestUser();
    bob = await createTestUser();
    dir = slurmDir();
    const sockDir = join(dir, 'sock');
    mkdirSync(sockDir);
    const policy = join(dir, 'resource-limits.yaml');
    writeFileSync(policy, policyText());
    ports = { n1: await freePort(), n2: await freePort() };
    const env = {
      SLURM_CONF: join(dir, 'slurm.conf'),
      DS01_MUNGE_SOCKET: join(dir, 'run', 'munge.sock'),
      DS01_CLUSTER_NODES: `n1=127.0.0.1:${ports.n1},n2=127.0.0.1:${ports.n2}`,
      DS01_BACKEND: 'slurm',
      DS01_SLURM_DS01_COMMAND: `${process.execPath} ${CLI_JS}`,
      DS01_SLURM_NODE_SOCKET: `${sockDir}/{node}.sock`,
      DS01_SLURM_DAEMON_GRACE: '5',
    };
    for (const name of ['n1', 'n2']) {
      const d = await startTestDaemon({
        dockerHost: inject('dockerHost'),
        policy,
        scenario: scenarioFor(name),
        env: {
          ...env,
          DS01_SLURM_NODE_NAME: name,
          DS01_CLUSTER_LISTEN: `127.0.0.1:${ports[name as 'n1' | 'n2']}`,
        },
      });
      nodes[name] = d;
      symlinkSync(d.socket, join(sockDir, `${name}.sock`));
    }
    // slurmd runs these as root on each node: they ask that node's ds01d.
    for (const hook of ['prolog', 'epilog']) {
      writeFileSync(
        join(dir, `${hook}.sh`),
        `#!/bin/sh\nDS01_SOCKET="${sockDir}/$SLURMD_NODENAME.sock" exec ${process.execPath} ${CLI_JS} cluster ${hook}\n`,
        { mode: 0o755 },
      );
    }
    const probes: string[] = [];
    for (const [name, d] of Object.entries(nodes)) {
      const r = await sh(d, ['cluster', 'probe']);
      expect(r.code, r.stderr).toBe(0);
      const file = join(dir, `${name}.json`);
      writeFileSync(file, r.stdout);
      probes.push('--probe', file);
    }
    const rendered = await sh(nodes.n1 as TestDaemon, [
      'cluster',
      'render-slurm',
      ...probes,
      '--cluster',
      CLUSTER,
      '--device-dir',
      join(dir, 'dev'),
      '--prolog',
      join(dir, 'prolog.sh'),
      '--epilog',
      join(dir, 'epilog.sh'),
      '--json',
    ]);
    expect(rendered.code, rendered.stderr).toBe(0);
    const r = JSON.parse(rendered.stdout) as { slurmConf: string; gresConf: string; sacctmgr: string[] };
    // The placeholder device files render-slurm names; and which UUID each index is.
    for (const m of r.gresConf.matchAll(/^NodeName=(\S+) Name=gpu Type=\S+ File=(\S+?)(\d+) # (\S+)$/gm)) {
      const [, node, prefix, idx, uuid] = m as unknown as string[];
      mkdirSync(dirname(`${prefix}${idx}`), { recursive: true });
      writeFileSync(`${prefix}${idx}`, '');
      gresUuid.set(`${node}:${idx}`, uuid as string);
    }
    expect(gresUuid.size).toBe(4);
    slurm = await startSlurm({
      dir,
      cluster: CLUSTER,
      nodes: [{ name: 'n1' }, { name: 'n2' }],
      renderedConf: r.slurmConf,
      gresConf: r.gresConf,
    });
    chmodSync(dir, 0o755);
    await slurm.sacctmgrLines(r.sacctmgr);
  }, 240_000);

  afterAll(async () => {
    if (process.env.DS01_SLURM_DEBUG)
      for (const f of ['slurmctld.log', 'slurmd-n1.log', 'slurmd-n2.log'])
        console.log(`---- ${f}\n${readFileSync(join(dir, 'log', f), 'utf8').slice(-4000)}`);
    await slurm?.stop();
    for (const d of Object.values(nodes)) await d.cleanup();
    await cleanupTestUsers();
  }, 120_000);

  it('`cluster check` finds the running Slurm as the policy says, and names a drift', async () => {
    const ok = await sh(nodes.n1 as TestDaemon, ['cluster', 'check', '--json']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const items = JSON.parse(ok.stdout).items as { what: string; ok: boolean }[];
    // bob's user_overrides: a QOS of his own (his MaxWall), his association's only one; the group's cap
    // is the account's.
    for (const what of [
      `qos ds01-u-${bob.name} MaxWall`,
      `user ${bob.name} QOS`,
      'account ds01-students GrpTRES',
    ])
      expect(items.find((i) => i.what === what)?.ok, what).toBe(true);
    const bobQos = await slurm.run('sacctmgr', [
      '-nP',
      'show',
      'qos',
      `ds01-u-${bob.name}`,
      'format=MaxWall',
    ]);
    expect(bobQos.stdout.trim()).toBe('00:20:00');
    // His association moved back to the group's QOS by hand: drift, named.
    const assoc = (qos: string) =>
      slurm.run('sacctmgr', [
        '-i',
        'modify',
        'user',
        'where',
        `name=${bob.name}`,
        'account=ds01-students',
        'set',
        `QOS=${qos}`,
        `DefaultQOS=${qos}`,
      ]);
    await assoc('ds01-students');
    try {
      const drift = await sh(nodes.n1 as TestDaemon, ['cluster', 'check', '--json']);
      expect(drift.code).toBe(1);
      const bad = (JSON.parse(drift.stdout).items as { what: string; ok: boolean }[]).filter((i) => !i.ok);
      expect(bad.map((i) => i.what)).toEqual([`user ${bob.name} QOS`]);
    } finally {
      await assoc(`ds01-u-${bob.name}`);
    }
    await slurm.run('sacctmgr', ['-i', 'modify', 'qos', 'where', 'name=ds01-students', 'set', 'MaxWall=5']);
    try {
      const drift = await sh(nodes.n1 as TestDaemon, ['cluster', 'check']);
      expect(drift.code).toBe(1);
      expect(drift.stdout).toMatch(/DRIFT\s+qos ds01-students MaxWall\s+10 min\s+5 min/);
      // Its table fits an 80-column terminal (as every table does: tables-80.test.ts).
      const shown = await at80(nodes.n1 as TestDaemon, ['cluster', 'check']);
      expect(shown).toMatch(/DRIFT/);
      expect(tooWide(shown)).toEqual([]);
    } finally {
      await slurm.run('sacctmgr', [
        '-i',
        'modify',
        'qos',
        'where',
        'name=ds01-students',
        'set',
        'MaxWall=10',
      ]);
    }
  });

  it('a --mig 1g.10gb job runs on the node Slurm chose, as the user, on the MIG UUID Slurm assigned', async () => {
    const sid = await submit(alice, ['--mig', '1g.10gb', '--', 'sh', '-c', 'id -u; sleep 6']);
    const running = await until(
      () => squeue(sid),
      (q) => q.state === 'RUNNING',
      60_000,
      300,
    );
    expect(running.state).toBe('RUNNING');
    const node = running.node;
    const [idx] = await assignedIdx(sid);
    const uuid = gresUuid.get(`${node}:${idx}`);
    expect(uuid).toMatch(/^MIG-/);
    const name = `slurm-${sid}._.${alice.uid}`;
    const info = await until(
      () =>
        docker
          .getContainer(name)
          .inspect()
          .catch(() => null),
      (c) => c?.State.Running === true,
      60_000,
      300,
    );
    expect(info?.HostConfig.DeviceRequests?.[0]?.DeviceIDs).toEqual([uuid]);
    expect(info?.Config.User).toMatch(new RegExp(`^${alice.uid}:`));
    // The job's container was made by that node's ds01d, not the other's.
    const local = await sh(nodes[node] as TestDaemon, ['job', 'list', '--json'], alice);
    expect(local.code, local.stderr).toBe(0);
    // sacct is the record: COMPLETED, exit 0, seen from either node's `ds01 job show`.
    const done = await until(
      () => show(nodes.n2 as TestDaemon, alice, sid),
      (j) => j.slurm?.state === 'COMPLETED' || j.state === 'failed',
      60_000,
      500,
    );
    expect(done.slurm?.state, JSON.stringify(done)).toBe('COMPLETED');
    expect(done.exitCode).toBe(0);
    expect(done.slurm?.node).toBe(node);

    // Its log, read from the OTHER node: that node's ds01d asks this one, as alice (munge).
    const other = nodes[node === 'n1' ? 'n2' : 'n1'] as TestDaemon;
    const log = await sh(other, ['job', 'logs', String(sid)], alice);
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout.trim()).toBe(String(alice.uid));
    // Not bob's to read, from either node.
    for (const via of [other, nodes[node] as TestDaemon]) {
      const refused = await sh(via, ['job', 'logs', String(sid)], bob);
      expect(refused.code, refused.stdout).toBe(3);
      expect(refused.stderr).toMatch(/not yours/);
    }
    // An admin reads it only by saying so, and the node that holds it records that.
    const plain = await sh(other, ['job', 'logs', String(sid)]);
    expect(plain.code).toBe(3);
    expect(plain.stderr).toMatch(/--admin/);
    const asAdmin = await sh(other, ['job', 'logs', String(sid), '--admin']);
    expect(asAdmin.code, asAdmin.stderr).toBe(0);
    expect(asAdmin.stdout.trim()).toBe(String(alice.uid));
    const seen = await sh(nodes[node] as TestDaemon, ['events', '--kind', 'job.log_read', '--json']);
    expect(seen.stdout).toMatch(new RegExp(`slurm job ${sid}`));
  });

  it('container-deploy --slurm: a container on the node Slurm picks, on the MIG UUID it assigned; retire ends the allocation', async () => {
    const r = await sh(
      nodes.n1 as TestDaemon,
      ['container-deploy', 'box', '--slurm', '--mig', '1g.10gb', '--image', image, '--json'],
      alice,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      job: { id: number };
      node: string;
      container: string;
      reach: string[];
    };
    const sid = out.job.id;
    expect(out.container).toBe(`slurm-${sid}`);
    expect(['n1', 'n2']).toContain(out.node);
    expect(out.reach[0]).toBe(`ssh -t ${out.node} ds01 container-open slurm-${sid}`);
    expect((await squeue(sid)).node).toBe(out.node);
    const [idx] = await assignedIdx(sid);
    const info = await until(
      () =>
        docker
          .getContainer(`slurm-${sid}._.${alice.uid}`)
          .inspect()
          .catch(() => null),
      (c) => c?.State.Running === true,
      60_000,
      300,
    );
    expect(info?.HostConfig.DeviceRequests?.[0]?.DeviceIDs).toEqual([gresUuid.get(`${out.node}:${idx}`)]);
    // On its node it is alice's container to work in.
    const inside = await sh(
      nodes[out.node] as TestDaemon,
      ['container-open', out.container, '--', 'id', '-u'],
      alice,
    );
    expect(inside.stdout.trim(), inside.stderr).toBe(String(alice.uid));
    // One allocation per name; not bob's to retire.
    const again = await sh(
      nodes.n2 as TestDaemon,
      ['container-deploy', 'box', '--slurm', '--mig', '1g.10gb'],
      alice,
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already have an interactive allocation "box"/);
    expect((await sh(nodes.n1 as TestDaemon, ['container-retire', 'box', '--slurm'], bob)).code).toBe(4);
    // Retired: Slurm's allocation is released and the node's epilog stops the container.
    const retired = await sh(nodes.n2 as TestDaemon, ['container-retire', 'box', '--slurm'], alice);
    expect(retired.code, retired.stderr).toBe(0);
    const left = await until(
      () => squeue(sid),
      (q) => q.state === '',
      60_000,
      500,
    );
    expect(left.state).toBe('');
    const stopped = await until(
      () =>
        docker
          .getContainer(`slurm-${sid}._.${alice.uid}`)
          .inspect()
          .catch(() => null),
      (c) => c === null || c.State.Running === false,
      60_000,
      500,
    );
    expect(stopped?.State.Running ?? false).toBe(false);
  });

  it("a node answers another's request only with a munge credential made for exactly it, once", async () => {
    const path = '/v1/dashboard';
    const cred = (payload: string) =>
      execFileSync(
        'setpriv',
        [
          `--reuid=${alice.uid}`,
          `--regid=${alice.gid}`,
          '--init-groups',
          '--',
          'munge',
          `--socket=${join(dir, 'run', 'munge.sock')}`,
          '--restrict-uid=0',
          '-s',
          payload,
        ],
        { encoding: 'utf8' },
      ).trim();
    const ask = async (c: string | null, p = path) => {
      const r = await fetch(`http://127.0.0.1:${ports.n2}${p}`, {
        headers: c ? { 'x-ds01-munge': c } : {},
      });
      return { status: r.status, body: (await r.json()) as { viewer?: { name: string } } };
    };
    const good = cred(`ds01-peer/1 n2 GET ${path}`);
    const first = await ask(good);
    expect(first.status).toBe(200);
    expect(first.body.viewer?.name).toBe(alice.name);
    expect((await ask(good)).status).toBe(401); // replayed
    expect((await ask(null)).status).toBe(401);
    expect((await ask(cred(`ds01-peer/1 n1 GET ${path}`))).status).toBe(401); // made for n1
    const forLog = cred('ds01-peer/1 n2 GET /v1/slurm/jobs/1/log?offset=0');
    expect((await ask(forLog, '/v1/slurm/jobs/1/log?offset=0&admin=1')).status).toBe(401);
    // Only the allow-list is served to other nodes.
    expect((await ask(cred('ds01-peer/1 n2 GET /v1/containers'), '/v1/containers')).status).toBe(404);
  });

  it("a group's GrpTRES (group_max_gpus: 2) holds across both nodes", async () => {
    const a1 = await submit(alice, ['--mig', '1g.10gb', '--', 'sleep', '300']);
    const a2 = await submit(alice, ['--mig', '1g.10gb', '--', 'sleep', '300']);
    for (const sid of [a1, a2])
      expect(
        (
          await until(
            () => squeue(sid),
            (q) => q.state === 'RUNNING',
            60_000,
            300,
          )
        ).state,
      ).toBe('RUNNING');
    const b1 = await submit(bob, ['--mig', '1g.10gb', '--', 'sleep', '5']);
    // Four slots in the cluster, two in use: bob's job waits for the group (the account's GrpTRES counts
    // his jobs under his own QOS too), not for a GPU.
    const waiting = await until(
      () => squeue(b1),
      (q) => q.reason === 'AssocGrpGRES',
      30_000,
      300,
    );
    expect(waiting).toMatchObject({ state: 'PENDING', reason: 'AssocGrpGRES' });
    const qos = await slurm.run('squeue', ['-h', '-j', String(b1), '-o', '%q']);
    expect(qos.stdout.trim()).toBe(`ds01-u-${bob.name}`);
    const list = await sh(nodes.n1 as TestDaemon, ['job', 'list'], bob);
    expect(list.stdout).toMatch(new RegExp(`${b1}\\s.*PENDING.*AssocGrpGRES`));
    expect(tooWide(await at80(nodes.n1 as TestDaemon, ['job', 'list'], bob))).toEqual([]);

    // Kill the ds01d of the node running alice's first job: her batch step gives up after the grace
    // period and fails the job with the reason; Slurm's epilog cannot reach ds01d, so it drains the node.
    const node = (await squeue(a1)).node;
    const other = node === 'n1' ? 'n2' : 'n1';
    // The dashboard on either node shows both nodes' ds01d, with alice's two jobs across them.
    const before = await dashboardNodes(nodes[other] as TestDaemon, alice);
    expect(before.map((n) => [n.name, n.reachable])).toEqual([
      [other, true],
      [node, true],
    ]);
    await (nodes[node] as TestDaemon).kill9();
    // Killed: it is 'unreachable' with why, and the page still comes.
    const after = await dashboardNodes(nodes[other] as TestDaemon, alice);
    expect(after.find((n) => n.name === node)).toMatchObject({ reachable: false, error: /unreachable/ });
    expect(after.find((n) => n.name === other)?.reachable).toBe(true);
    const screen = await sh(nodes[other] as TestDaemon, ['dashboard'], alice);
    expect(screen.stdout).toMatch(new RegExp(`${node}\\s+unreachable`));
    const failed = await until(
      () => show(nodes[other] as TestDaemon, alice, a1),
      (j) => j.slurm?.state === 'FAILED',
      60_000,
      500,
    );
    expect(failed.slurm?.state).toBe('FAILED');
    expect(failed.reason).toMatch(new RegExp(`ds01d on ${node} stopped answering`));
    const states = await until(
      () => slurm.nodeStates(),
      (s) => /drain/.test(s[node] ?? ''),
      30_000,
      500,
    );
    expect(states[node]).toMatch(/drain/);
    // bob's job now gets its turn, on the node still in service.
    const bobRan = await until(
      () => show(nodes[other] as TestDaemon, bob, b1),
      (j) => j.slurm?.state === 'COMPLETED',
      60_000,
      500,
    );
    expect(bobRan.slurm?.node).toBe(other);

    // Back up, that node's ds01d stops the container Slurm no longer runs, and says why.
    await (nodes[node] as TestDaemon).restart();
    const gone = await until(
      () =>
        docker
          .getContainer(`slurm-${a1}._.${alice.uid}`)
          .inspect()
          .catch(() => null),
      (c) => c === null || c.State.Running === false,
      60_000,
      500,
    );
    expect(gone?.State.Running ?? false).toBe(false);
    await slurm.run('scancel', [String(a2)]);
  }, 300_000);
});

// Issue 9 against the real daemon, real users and the private dockerd: admin commands refused to plain
// users; an admin's stop reaches the owner; doctor passes and names the fix when the NVIDIA hook or
// nvidia-smi goes; /metrics parses strictly and agrees with the dashboard; usage; --watch in a real pty.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DashboardData, DoctorReport, UsageReport } from '../../daemon/api/types/index.js';
import { CLI_JS, startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { parsePrometheusText, sumWhere } from '../harness/prometheus.js';
import { cleanupTestUsers, isRoot, runAs, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser; // admin through a Linux group named in the policy
let metricsPort: number;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function scrape(): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: metricsPort, path: '/metrics' }, (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
        );
      })
      .on('error', reject);
  });
}

/** The API as a real user (curl over the socket: identity from the kernel). */
async function api(user: TestUser, method: string, path: string, body?: unknown) {
  const args = ['-s', '-w', '\n%{http_code}', '--unix-socket', d.socket, '-X', method, `http://ds01${path}`];
  if (body !== undefined) args.push('-H', 'content-type: application/json', '-d', JSON.stringify(body));
  const r = await runAs(user, 'curl', args);
  const nl = r.stdout.lastIndexOf('\n');
  return { status: Number(r.stdout.slice(nl + 1)), body: JSON.parse(r.stdout.slice(0, nl) || 'null') };
}

async function doctorAs(user: TestUser) {
  const r = await d.cli(['doctor', '--json'], user);
  return { code: r.code, stderr: r.stderr, report: r.stdout ? (JSON.parse(r.stdout) as DoctorReport) : null };
}

describe.skipIf(!isRoot())('issue 9: dashboard, admin tools, usage, metrics (real daemon and users)', () => {
  beforeAll(async () => {
    metricsPort = await freePort();
    // Nothing stops on its own while the test looks.
    ({ d, alice, bob, carol } = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      extraArgs: [`--metrics=127.0.0.1:${metricsPort}`],
      // The NVIDIA hook lives on the private dockerd's PATH only: doctor looks there.
      env: { DS01_NVIDIA_HOOK_PATH: inject('dockerBin') },
      policyEdits: {
        'defaults.idle_timeout': '2h',
        'defaults.max_runtime': '4h',
        'defaults.gpu_hold_after_stop': '1h',
      },
    }));
  });

  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('ds01 doctor passes here, and fails with the right fix when the NVIDIA hook or nvidia-smi is removed', async () => {
    const ok = await doctorAs(carol);
    expect(ok.code, `${ok.stderr}\n${JSON.stringify(ok.report, null, 2)}`).toBe(0);
    expect(ok.report?.checks.map((c) => c.id)).toEqual([
      'socket',
      'docker',
      'nvidia-hook',
      'nvidia-smi',
      'mig-layout',
      'slices',
      'database',
      'policy',
      'gpu-health',
      'docker-stats',
      'state-disk',
      'docker-access',
      'state-dir',
      'policy-perms',
      'version',
    ]);
    expect(ok.report?.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(ok.report?.checks.find((c) => c.id === 'state-disk')?.detail).toMatch(
      new RegExp(`^${realpathSync(d.stateDir)} on /\\S*: [\\d.]+% used`),
    );
    expect(ok.report?.checks.find((c) => c.id === 'nvidia-hook')?.detail).toContain(inject('dockerBin'));

    const hook = join(inject('dockerBin'), 'nvidia-container-runtime-hook');
    renameSync(hook, `${hook}.off`);
    try {
      const r = await doctorAs(carol);
      expect(r.code).toBe(1);
      const c = r.report?.checks.find((x) => x.id === 'nvidia-hook');
      expect(c?.status).toBe('fail');
      expect(c?.hint).toMatch(/nvidia-container-toolkit/);
      // The human form says the same, with the fix.
      const text = await d.cli(['doctor'], carol);
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/FAIL {2}NVIDIA container runtime hook/);
      expect(text.stdout).toMatch(/fix: install nvidia-container-toolkit/);
    } finally {
      renameSync(`${hook}.off`, hook);
    }

    const smi = d.gpu.binPath;
    renameSync(smi, `${smi}.off`);
    try {
      const r = await doctorAs(carol);
      expect(r.code).toBe(1);
      const c = r.report?.checks.find((x) => x.id === 'nvidia-smi');
      expect(c).toMatchObject({ status: 'fail' });
      expect(c?.hint).toMatch(/--nvidia-smi/);
      expect(r.report?.checks.find((x) => x.id === 'nvidia-hook')?.status).toBe('ok');
    } finally {
      renameSync(`${smi}.off`, smi);
    }
    expect((await doctorAs(carol)).code).toBe(0);
  });

  it('a plain user is refused every admin command with a clear message (exit 3)', async () => {
    const refused: string[][] = [
      ['admin', 'containers'],
      ['admin', 'stop', 'nb._.1', '--reason', 'x'],
      ['admin', 'retire', 'nb._.1', '--reason', 'x'],
      ['admin', 'release', 'MIG-a84bba07-931d-5b92-9306-a0799dc6ebd7', '--reason', 'x'],
      ['admin', 'drain', '0', '--reason', 'x'],
      ['admin', 'undrain', '0', '--reason', 'x'],
      ['admin', 'policy', 'reload'],
      ['admin', 'policy', 'check', d.policyPath],
      ['admin', 'sweep', '--dry-run'],
      ['admin', 'events'],
      ['admin', 'users'],
      ['admin', 'doctor'],
      ['doctor'],
      ['usage', '--by', 'group'],
    ];
    for (const argv of refused) {
      const r = await d.cli(argv, alice);
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(3);
      expect(r.stderr, argv.join(' ')).toMatch(/admin/);
      expect(r.stdout).toBe('');
    }
    // Said in terms of the command typed.
    const users = await d.cli(['admin', 'users'], alice);
    expect(users.stderr).toMatch(/`ds01 admin users` is for ds01 admins/);
    expect(users.stderr).toMatch(/ds01 whoami/);
    // Every refusal is audited.
    const denied = await d.request('GET', `/v1/events?kind=access.denied&user=${alice.name}&limit=100`);
    expect(denied.body.length).toBeGreaterThanOrEqual(refused.length);
  });

  it("an admin's stop of someone else's container reaches the owner as an event", async () => {
    const dep = await api(alice, 'POST', '/v1/containers/deploy', {
      name: 'nb',
      image: inject('baseImage'),
      gpus: 0,
    });
    expect(dep.status, JSON.stringify(dep.body)).toBe(200);
    const dockerName = `nb._.${alice.uid}`;
    const list = await d.cli(['admin', 'containers', '--json'], carol);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).map((c: { dockerName: string }) => c.dockerName)).toContain(dockerName);

    const stop = await d.cli(['admin', 'stop', dockerName, '--reason', 'maintenance window at 18:00'], carol);
    expect(stop.code, stop.stderr).toBe(0);
    const st = await docker.getContainer(dep.body.container.id).inspect();
    expect(st.State.Running).toBe(false);

    const ev = await d.cli(['events', '--json', '--container', dockerName], alice);
    expect(ev.code, ev.stderr).toBe(0);
    const events = JSON.parse(ev.stdout) as {
      kind: string;
      actor: string;
      reason: string;
      subjectUid: number;
    }[];
    // One event says it all: the stop, by the admin, with the reason (issue 12).
    const stops = events.filter((e) => e.kind === 'container.stopped');
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ actor: carol.name, subjectUid: alice.uid });
    expect(stops[0]?.reason).toMatch(/^by admin .*: maintenance window at 18:00/);
    // Bob, another plain user, does not see it.
    const bobs = JSON.parse((await d.cli(['events', '--json'], bob)).stdout) as { reason: string }[];
    expect(bobs.some((e) => /maintenance window/.test(e.reason))).toBe(false);
    // The users report shows who has what.
    const users = JSON.parse((await d.cli(['admin', 'users', '--json'], carol)).stdout) as {
      user: string;
      containers: number;
    }[];
    expect(users.find((u) => u.user === alice.name)?.containers).toBe(1);
  });

  it('/metrics parses strictly and agrees with the dashboard (slots by state, queue length)', async () => {
    // A mixed state: GPU 1 drained, GPU 3 gone, alice on the only whole GPU left, bob queued for one.
    expect((await d.cli(['admin', 'drain', '1', '--reason', 'ECC errors'], carol)).code).toBe(0);
    const scenario = d.gpu.readScenario() as { gpus: { index: number }[] };
    d.gpu.setScenario({ ...scenario, gpus: scenario.gpus.filter((g) => g.index !== 3) });
    expect((await d.cli(['gpu', 'refresh'], carol)).code).toBe(0);
    const a = await api(alice, 'POST', '/v1/containers/deploy', {
      name: 'train',
      image: inject('baseImage'),
      wholeGpu: true,
      gpus: 1,
    });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    const m = await api(alice, 'POST', '/v1/containers/deploy', {
      name: 'small',
      image: inject('baseImage'),
      mig: '1g.10gb',
    });
    expect(m.status, JSON.stringify(m.body)).toBe(200);
    const q = await api(bob, 'POST', '/v1/containers/deploy', {
      name: 'wait',
      image: inject('baseImage'),
      wholeGpu: true,
      gpus: 1,
      queue: true,
    });
    expect(q.status, JSON.stringify(q.body)).toBe(202);

    const dash = async () => {
      const r = await d.cli(['dashboard', '--json'], carol);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as DashboardData;
    };
    // Same moment: a scrape between two identical dashboard snapshots.
    let before: DashboardData;
    let after: DashboardData;
    let scraped: Awaited<ReturnType<typeof scrape>>;
    let tries = 0;
    do {
      before = await dash();
      scraped = await scrape();
      after = await dash();
    } while (JSON.stringify(before.summary) !== JSON.stringify(after.summary) && ++tries < 5);
    expect(after.summary).toEqual(before.summary);
    expect(after.resources?.cpu.cores).toBe(cpus().length);
    expect(after.resources?.stateDisk?.path).toBe(realpathSync(d.stateDir));
    expect(scraped.status).toBe(200);
    expect(scraped.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const fams = parsePrometheusText(scraped.body);
    const s = before.summary;
    expect(s).toMatchObject({ missing: 1, queueLength: 1 });
    expect(s.drained).toBe(7); // GPU 1: seven 1g.10gb (new allocations avoid drained slots)
    expect(s.allocated).toBe(2);
    for (const state of ['free', 'allocated', 'held', 'drained', 'missing'] as const)
      expect(sumWhere(fams, 'ds01_slots', { state }), state).toBe(s[state]);
    expect(sumWhere(fams, 'ds01_slots')).toBe(s.slots);
    expect(sumWhere(fams, 'ds01_queue_length')).toBe(s.queueLength);
    // DCGM labels on alice's slots, so Grafana joins on UUID / GPU_I_ID.
    const held = fams.get('ds01_slot_holder')?.samples.filter((x) => x.labels.user === alice.name) ?? [];
    expect(held).toHaveLength(2);
    const mig = held.find((x) => x.labels.GPU_I_PROFILE === '1g.10gb');
    expect(mig?.labels).toMatchObject({
      modelName: 'NVIDIA A100-SXM4-80GB',
      device: `nvidia${mig?.labels.gpu}`,
    });
    expect(mig?.labels.UUID).toMatch(/^GPU-/);
    expect(mig?.labels.GPU_I_ID).toMatch(/^\d+$/);
    // Requests were counted, the refused ones as errors.
    expect(
      sumWhere(fams, 'ds01_api_requests_total', { route: '/v1/dashboard', status: '200' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sumWhere(fams, 'ds01_api_errors_total', { status: '403' })).toBeGreaterThanOrEqual(1);
    // The standard process and Node runtime metrics come with them.
    expect(sumWhere(fams, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(sumWhere(fams, 'nodejs_active_handles_total')).toBeGreaterThan(0);
    expect(fams.get('nodejs_eventloop_lag_seconds')?.samples).toHaveLength(1);

    // A plain user sees "taken", never who.
    const plain = JSON.parse((await d.cli(['dashboard', '--json'], bob)).stdout) as DashboardData;
    const labels = plain.gpus.flatMap((g) => g.slots).flatMap((x) => (x.holder ? [x.holder] : []));
    expect(labels.some((h) => h.label === 'taken' && h.user === null)).toBe(true);
    expect(JSON.stringify(plain.gpus)).not.toContain(alice.name);
    expect(plain.summary).toEqual(s);
  });

  it('ds01 usage: own GPU-hours for users, per group and CSV for admins', async () => {
    await new Promise((r) => setTimeout(r, 1500));
    const mine = await d.cli(['usage', '--json', '--from', '1h'], alice);
    expect(mine.code, mine.stderr).toBe(0);
    const r = JSON.parse(mine.stdout) as UsageReport;
    expect(r.scope).toBe('own');
    expect(r.rows.map((x) => x.key)).toEqual([alice.name]);
    expect(r.rows[0]?.allocations).toBe(2);
    expect(r.rows[0]?.allocatedGpuHours).toBeGreaterThan(0);
    // Busy and idle come from the lifecycle's samples: alice's whole GPU reads 87% in the fake
    // nvidia-smi (busy), her 1g.10gb slice has no process on it (idle).
    const sampled = await until(
      async () => JSON.parse((await d.cli(['usage', '--json', '--from', '1h'], alice)).stdout) as UsageReport,
      (u) => (u.rows[0]?.busyGpuHours ?? 0) > 0 && (u.rows[0]?.idleGpuHours ?? 0) > 0,
    );
    const row = sampled.rows[0];
    expect(row?.busyGpuHours).toBeGreaterThan(0);
    expect(row?.idleGpuHours).toBeGreaterThan(0);
    expect((row?.busyGpuHours ?? 0) + (row?.idleGpuHours ?? 0)).toBeCloseTo(row?.measuredGpuHours ?? -1, 2);
    expect(row?.measuredGpuHours).toBeLessThanOrEqual(row?.allocatedGpuHours ?? 0);
    const csv = await d.cli(['usage', '--by', 'group', '--csv', '--from', '1h'], carol);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.split('\n')[0]).toBe(
      'group,users,allocations,allocated_gpu_hours,busy_gpu_hours,idle_gpu_hours,unmeasured_gpu_hours,queue_entries,queue_wait_hours,max_queue_wait_hours,from,to',
    );
    expect(csv.stdout).toMatch(/^students,/m);
    const bad = await d.cli(['usage', '--from', 'yesterday-ish'], alice);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/ISO date/);
  });

  it('ds01-dashboard --watch redraws in place in a real terminal (tmux) and restores it on Ctrl-C', async () => {
    const sock = `ds01t-${process.pid}`;
    const raw = join(tmpdir(), `${sock}.raw`);
    const tmux = (...args: string[]) =>
      execFileSync('tmux', ['-L', sock, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const cmd = [
      'setpriv',
      `--reuid=${bob.uid}`,
      `--regid=${bob.gid}`,
      '--init-groups',
      '--',
      'env',
      `HOME=${bob.home}`,
      `DS01_SOCKET=${d.socket}`,
      'TERM=xterm-256color',
      process.execPath,
      CLI_JS,
      'dashboard',
      '--watch',
      '--interval',
      '1',
    ].join(' ');
    try {
      tmux('new-session', '-d', '-s', 'dash', '-x', '100', '-y', '40', cmd);
      tmux('pipe-pane', '-t', 'dash', '-o', `cat >> ${raw}`);
      const first = await until(
        async () => tmux('capture-pane', '-p', '-t', 'dash'),
        (s) => s.includes('RECENT EVENTS'),
      );
      const lines = first.split('\n');
      expect(lines.filter((l) => l.startsWith('ds01 dashboard')).length).toBe(1);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
      expect(first).toMatch(/queue 1/);
      // A change shows up on the next refresh, in place.
      expect((await d.cli(['admin', 'undrain', '1', '--reason', 'fixed'], carol)).code).toBe(0);
      const second = await until(
        async () => tmux('capture-pane', '-p', '-t', 'dash'),
        (s) => !/\d+ drained/.test(s),
      );
      expect(second).not.toMatch(/\d+ drained/);
      expect(second.split('\n').filter((l) => l.startsWith('ds01 dashboard')).length).toBe(1);
      tmux('send-keys', '-t', 'dash', 'C-c');
      await until(
        async () => {
          try {
            tmux('has-session', '-t', 'dash');
            return true;
          } catch {
            return false;
          }
        },
        (alive) => !alive,
        5000,
      );
      const bytes = readFileSync(raw, 'latin1');
      expect(bytes).toContain('\x1b[?1049h'); // alternate screen on…
      expect(bytes).toContain('\x1b[?1049l'); // …and off again on Ctrl-C
      expect(bytes).toContain('\x1b[?25h'); // cursor shown again
      expect(bytes).toContain('\x1b[H'); // each frame: cursor home, overwrite
      expect(bytes).not.toContain('\x1b[2J'); // never a full clear (that is the flicker)
    } finally {
      try {
        tmux('kill-server');
      } catch {
        // already gone with its last session
      }
      if (existsSync(raw)) rmSync(raw);
    }
  });
});

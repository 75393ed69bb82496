// GPU health from nvidia-smi -q -x and from probe presence (issue 18), on the real daemon driven by the fake
// nvidia-smi's scenarios: the faults of testing/fixtures/gpu-scenarios/health-*.json put on GPUs of
// a100-mig-mixed. A remapping failure drains that GPU with the reason, tells its holder and the admins'
// webhook; a hot GPU is a warning only; a GPU that vanishes is drained after 3 bad probes and comes back
// drained; one answering with errors is not handed out; a failing nvidia-smi as a whole drains nothing.
// The periodic probes are off (daily) so each `gpu refresh` is exactly one probe.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {
  AuditEvent,
  GpuAvailabilityReport,
  GpuList,
  GpuSlotView,
} from '../../daemon/api/types/index.js';
import { FIXTURES, startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { loadGpuScenario } from '../harness/fake-gpu.js';
import { deployOnGpu } from '../harness/gpu-placement.js';
import { startHttpSink } from '../harness/notify-sinks.js';
import { cleanupTestUsers, isRoot, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

let d: TestDaemon;
let alice: TestUser;
let carol: TestUser; // admin
let sink: Awaited<ReturnType<typeof startHttpSink>>;
let secrets: string;
let metricsPort: number;

type Scenario = { gpus: Record<string, unknown>[] };
const base = () => loadGpuScenario('a100-mig-mixed') as Scenario;
/** The GPU-1 fault of a shipped health scenario (its `fault` field). */
const fault = (name: string) => (loadGpuScenario(name) as { fault: Record<string, unknown> }).fault;

const gpuList = async () => JSON.parse((await d.cli(['gpu', 'list', '--json'], carol)).stdout) as GpuList;
const ofGpu = (l: GpuList, i: number) => l.slots.filter((s) => s.gpuIndex === i);
const events = async (kind: string) =>
  (await d.request('GET', `/v1/events?kind=${kind}&limit=1000`)).body as AuditEvent[];
const refresh = async () => {
  const r = await d.cli(['gpu', 'refresh'], carol);
  expect(r.code, r.stderr).toBe(0);
};

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

function scrape(): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: metricsPort, path: '/metrics' }, (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

const sample = (text: string, name: string, labels: Record<string, string>) =>
  text
    .split('\n')
    .find(
      (l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
    )
    ?.split(' ')
    .at(-1);

describe.skipIf(!isRoot())('GPU health from -q -x and probe presence', () => {
  beforeAll(async () => {
    sink = await startHttpSink();
    secrets = mkdtempSync(join(tmpdir(), 'ds01-health-'));
    const url = join(secrets, 'ops-url');
    writeFileSync(url, `${sink.url('/ok/health')}\n`, { mode: 0o600 });
    metricsPort = await freePort();
    ({ d, alice, carol } = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      extraArgs: [`--metrics=127.0.0.1:${metricsPort}`],
      policyEdits: {
        'defaults.max_runtime': '1h',
        'defaults.idle_timeout': '1h',
        // Each `gpu refresh` is then exactly one probe: neither the cron nor the idle sweep's sampling probes.
        'schedules.gpu_refresh': '0 0 0 * * *',
        'schedules.idle_sweep': '0 0 0 * * *',
        notifications: { channels: [{ name: 'ops', type: 'webhook', url_file: url, on: ['health'] }] },
      },
    }));
  }, 120_000);
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
    await sink?.close();
    if (secrets) rmSync(secrets, { recursive: true, force: true });
  });

  it('remapping failure: that GPU drained with the reason, holder and admins told; a hot GPU only warned', async () => {
    // alice holds a slot of GPU 1.
    await deployOnGpu(d, { user: alice, admin: carol, gpu: 1, name: 'mine' });

    const s = base();
    Object.assign(s.gpus[1]!, fault('health-remap-failure'));
    Object.assign(s.gpus[3]!, fault('health-hot'));
    d.gpu.setScenario(s);
    await refresh();

    const list = await gpuList();
    for (const x of ofGpu(list, 1)) {
      expect(x.state).toBe('drained');
      expect(x.drainReason).toMatch(/^row remapping failed: the GPU has no spare memory rows left/);
      expect(x.health?.state).toBe('unhealthy');
      // The failure, and the lifetime uncorrectable count that led to it (a warning on its own).
      expect(x.health?.problems.map((p) => [p.condition, p.severity])).toEqual([
        ['ecc-uncorrectable-aggregate', 'warning'],
        ['remap-failure', 'fatal'],
      ]);
    }
    const hot = ofGpu(list, 3)[0] as GpuSlotView;
    expect(hot.state).toBe('available');
    expect(hot.health).toMatchObject({ state: 'warning', problems: [{ condition: 'temp-slowdown' }] });
    expect(hot.health?.reason).toMatch(/91 C, threshold 89 C/);

    const health = await events('gpu.health');
    expect(health.map((e) => [e.data?.condition, e.data?.severity, e.data?.gpuIndex])).toEqual([
      ['ecc-uncorrectable-aggregate', 'warning', 1],
      ['remap-failure', 'fatal', 1],
      ['temp-slowdown', 'warning', 3],
    ]);
    const drained = (await events('gpu.drained')).filter((e) => e.actor === 'ds01d');
    expect(drained.map((e) => e.reason)).toEqual([expect.stringMatching(/^row remapping failed/)]);
    const told = (await events('gpu.drained_in_use')).filter((e) => e.subjectUid === alice.uid);
    expect(told.at(-1)?.reason).toMatch(/unhealthy: row remapping failed/);
    // The admins' webhook (topic `health`) got the condition.
    const hits = await until(
      async () => sink.hits.filter((h) => JSON.stringify(h.body).includes('remap')),
      (h) => h.length > 0,
      30_000,
    );
    expect(hits.length).toBeGreaterThan(0);
    // The human table says it too, and fits 80 columns (checked for every command in tables-80).
    const text = await d.cli(['gpu', 'list'], carol);
    expect(text.stderr).toMatch(/GPU 1 unhealthy: row remapping failed/);
    expect(text.stderr).toMatch(/GPU 3 warning: hot enough to slow itself down/);
    // /metrics: the readings and the conditions.
    const m = await scrape();
    expect(sample(m, 'ds01_gpu_temperature_celsius', { gpu: '3' })).toBe('91');
    expect(sample(m, 'ds01_gpu_remapped_rows', { gpu: '1', kind: 'uncorrectable' })).toBe('8');
    expect(sample(m, 'ds01_gpu_health_conditions', { gpu: '1', severity: 'fatal' })).toBe('1');
    expect(sample(m, 'ds01_gpu_health_conditions', { gpu: '3', severity: 'warning' })).toBe('1');
    // Doctor names both.
    const doctor = JSON.parse((await d.cli(['doctor', '--json'], carol)).stdout) as {
      checks: { id: string; status: string; detail: string; hint?: string }[];
    };
    const check = doctor.checks.find((c) => c.id === 'gpu-health');
    expect(check?.status).toBe('warn');
    expect(check?.detail).toMatch(/GPU 3: warning: hot enough to slow itself down/);
    expect(check?.hint).toMatch(/RMA/);
    // alice's container runs: the real Docker's stats carry readings, so idle detection can see.
    expect(doctor.checks.find((c) => c.id === 'docker-stats')).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^stats of 1 of 1 running container\(s\) carry CPU and memory readings$/),
    });

    // The same readings again add no event (doctor's probe above was one more).
    await refresh();
    expect(await events('gpu.health')).toHaveLength(3);

    // An admin undrains GPU 1 while the failure is still there: no second drain, but it is still not
    // handed out (its state says unhealthy). GPU 3 cools down: the warning clears.
    expect((await d.cli(['gpu', 'undrain', '1', '--reason', 'looking at it'], carol)).code).toBe(0);
    const cool = base();
    Object.assign(cool.gpus[1]!, fault('health-remap-failure'));
    d.gpu.setScenario(cool);
    await refresh();
    const after = await gpuList();
    expect(ofGpu(after, 1).every((x) => x.state === 'available' && x.health?.state === 'unhealthy')).toBe(
      true,
    );
    expect(ofGpu(after, 3)[0]?.health).toBeNull();
    expect((await events('gpu.drained')).filter((e) => e.actor === 'ds01d')).toHaveLength(1);
    expect((await events('gpu.health')).at(-1)?.data).toMatchObject({
      condition: 'temp-slowdown',
      cleared: true,
    });
    // A free slot of GPU 1 is not given to a new deploy while its GPU is unhealthy.
    for (const g of ['0', '2', '3'])
      expect((await d.cli(['gpu', 'drain', g, '--reason', 'only GPU 1 left'], carol)).code).toBe(0);
    const next = await d.cli(['container', 'deploy', 'next', '--gpus', '1', '--yes', '--background'], alice);
    expect(next.code).not.toBe(0);
    for (const g of ['0', '2', '3'])
      expect((await d.cli(['gpu', 'undrain', g, '--reason', 'done'], carol)).code).toBe(0);
    d.gpu.setScenario(base());
    await refresh();
    expect(ofGpu(await gpuList(), 1).every((x) => x.health === null && x.state === 'available')).toBe(true);
  }, 300_000);

  it('a GPU that vanishes is drained after 3 bad probes and comes back drained until an admin undrains it', async () => {
    const gone = base();
    gone.gpus.splice(2, 1);
    d.gpu.setScenario(gone);
    await refresh();
    let gpu2 = ofGpu(await gpuList(), 2);
    expect(gpu2.every((x) => x.state === 'missing' && x.drainReason === null)).toBe(true);
    expect(gpu2[0]?.health).toMatchObject({ state: 'unhealthy', badProbes: 1, drainAfter: 3 });
    await refresh();
    expect(ofGpu(await gpuList(), 2)[0]?.drainReason).toBeNull();
    await refresh();
    gpu2 = ofGpu(await gpuList(), 2);
    expect(gpu2[0]?.drainReason).toBe(
      'no longer reported by nvidia-smi (not in nvidia-smi -L) for 3 probes in a row; drained by ds01d',
    );
    const vanished = (await events('gpu.health')).filter((e) => e.data?.condition === 'vanished');
    expect(vanished).toHaveLength(1);

    d.gpu.setScenario(base());
    await refresh();
    gpu2 = ofGpu(await gpuList(), 2);
    expect(gpu2[0]).toMatchObject({ state: 'drained', health: null });
    expect((await d.cli(['gpu', 'undrain', '2', '--reason', 'reseated, checked'], carol)).code).toBe(0);
    expect(ofGpu(await gpuList(), 2)[0]?.state).toBe('available');

    // GPU 1 falls off the bus: gone from nvidia-smi AND Xid 79 in the kernel log. The Xid names it (from
    // the probe before) and drains it at once, without waiting for 3 probes.
    const off = base();
    off.gpus.splice(1, 1);
    d.gpu.setScenario(off);
    appendFileSync(join(d.dir, 'kern.log'), readFileSync(join(FIXTURES, 'kernel-log/xid-79.log')));
    await refresh();
    const gpu1 = ofGpu(await gpuList(), 1);
    expect(
      gpu1.every(
        (x) => x.state === 'missing' && /^Xid 79: GPU has fallen off the bus/.test(x.drainReason ?? ''),
      ),
    ).toBe(true);
    d.gpu.setScenario(base());
    await refresh();
    expect((await d.cli(['gpu', 'undrain', '1', '--reason', 'reset'], carol)).code).toBe(0);
    expect(ofGpu(await gpuList(), 1).every((x) => x.state === 'available' && x.health === null)).toBe(true);
  }, 240_000);

  it('a GPU answering with errors is not handed out and drained after 3 probes; a failing nvidia-smi drains nothing', async () => {
    // nvidia-smi fails as a whole (the chaos suite's fault): a probe failure, no GPU marked.
    const before = (await events('gpu.health')).length;
    d.gpu.setScenario({ ...base(), fail: { exitCode: 255, stderr: 'Unknown Error\n' } });
    for (let i = 0; i < 4; i++) expect((await d.cli(['gpu', 'refresh'], carol)).code).not.toBe(0);
    expect((await gpuList()).slots.every((x) => x.health === null && x.state !== 'drained')).toBe(true);
    expect(await events('gpu.health')).toHaveLength(before);

    // GPU 3 reads `[GPU requires reset]`, GPU 0 cannot be reached at all.
    const bad = base();
    bad.gpus[3]!.readingError = '[GPU requires reset]';
    bad.gpus[0]!.deviceError = 'Unknown Error';
    d.gpu.setScenario(bad);
    await refresh();
    let l = await gpuList();
    expect(ofGpu(l, 3)[0]).toMatchObject({
      state: 'available',
      health: { state: 'unhealthy', badProbes: 1 },
    });
    expect(ofGpu(l, 3)[0]?.health?.reason).toMatch(
      /answers with errors \(temperature\/gpu_temp: \[GPU requires reset\]/,
    );
    expect(ofGpu(l, 0).every((x) => x.state === 'missing')).toBe(true);
    expect(ofGpu(l, 0)[0]?.health?.reason).toMatch(
      /the driver cannot reach it \(Unknown Error \(PCI 07:00\)\)/,
    );
    expect(ofGpu(l, 1).every((x) => x.health === null && x.state === 'available')).toBe(true);
    // gpu-avail does not count GPU 3 as free (it is `busy` for the allocator): GPU 2 at most.
    const avail = JSON.parse((await d.cli(['gpu-avail', '--json'], carol)).stdout) as GpuAvailabilityReport;
    expect(avail.profiles.find((p) => p.profile === 'full')?.free).toBeLessThanOrEqual(1);
    await refresh();
    await refresh();
    l = await gpuList();
    expect(ofGpu(l, 3)[0]?.drainReason).toMatch(
      /^answers with errors .* for 3 probes in a row; drained by ds01d$/,
    );
    expect(ofGpu(l, 0)[0]?.drainReason).toMatch(/^the driver cannot reach it .* for 3 probes in a row/);
    d.gpu.setScenario(base());
    await refresh();
    for (const g of ['0', '3'])
      expect((await d.cli(['gpu', 'undrain', g, '--reason', 'reset'], carol)).code).toBe(0);
    expect((await gpuList()).slots.every((x) => x.state === 'available' && x.health === null)).toBe(true);
  }, 240_000);
});

// `ds01 gpu test SLOT` on the real daemon and the harness's dockerd (issue 18). The container goes through
// ds01d's own spec (the slot as its only device request, NVIDIA_VISIBLE_DEVICES set by the daemon); the
// stub NVIDIA hook here gives no real GPU, so the check truthfully finds no device, and busybox has no
// CUDA: memory and kernel are "skipped: no CUDA in image". Users test only a slot they hold; the container
// is always removed; each test is an event.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AuditEvent, DeployResult, GpuTestResult } from '../../daemon/api/types/index.js';
import { startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { cleanupTestUsers, isRoot, type TestUser } from '../harness/users.js';

let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser; // admin

/** Containers the harness's dockerd has with the test label (none should outlive a test). */
function testContainers(): Promise<unknown[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: ['ds01.gpu-test'] }));
  return new Promise((resolve, reject) => {
    http
      .get(
        { socketPath: inject('dockerSocket'), path: `/containers/json?all=1&filters=${filters}` },
        (res) => {
          let body = '';
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () => resolve(JSON.parse(body) as unknown[]));
        },
      )
      .on('error', reject);
  });
}

describe.skipIf(!isRoot())('ds01 gpu test', () => {
  beforeAll(async () => {
    ({ d, alice, bob, carol } = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      policyEdits: { 'defaults.max_runtime': '1h', 'defaults.idle_timeout': '1h' },
    }));
  }, 120_000);
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('on a slot the user holds: device part truthful, no CUDA in busybox, container removed, an event', async () => {
    const dep = await d.cli(
      ['container', 'deploy', 'mine', '--gpus', '1', '--yes', '--background', '--json'],
      alice,
    );
    expect(dep.code, dep.stderr).toBe(0);
    const slot = (JSON.parse(dep.stdout) as DeployResult).container?.gpuSlots[0]?.uuid as string;

    const r = await d.cli(['gpu', 'test', slot, '--json'], alice);
    expect(r.code, r.stderr).toBe(1); // the device is not visible here: the test fails, truthfully
    const res = JSON.parse(r.stdout) as GpuTestResult;
    expect(res).toMatchObject({ slot, image: 'ds01-test/busybox:latest', passed: false, timedOut: false });
    expect(res.parts).toEqual([
      {
        name: 'device',
        status: 'fail',
        // NVIDIA_VISIBLE_DEVICES is the daemon's: the slot's UUID, nothing the client sent.
        detail: `no /dev/nvidia* device and no nvidia-smi in the container (NVIDIA_VISIBLE_DEVICES=${slot}): is the NVIDIA container runtime hook working?`,
      },
      { name: 'memory', status: 'skipped', detail: 'no CUDA in image (no python3 with torch)' },
      { name: 'kernel', status: 'skipped', detail: 'no CUDA in image (no python3 with torch)' },
    ]);
    expect(await testContainers()).toEqual([]);
    const ev = (await d.request('GET', '/v1/events?kind=gpu.tested')).body as AuditEvent[];
    expect(ev.at(-1)).toMatchObject({ subjectUid: alice.uid, data: { slot, passed: false } });
    expect(ev.at(-1)?.reason).toMatch(/failed: device fail, memory skipped, kernel skipped$/);

    // The table for people.
    const text = await d.cli(['gpu', 'test', slot], alice);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/memory\s+skipped\s+no CUDA in image/);
    expect(text.stderr).toMatch(/: failed \(\d+\.\d s\); the container was removed/);

    // bob does not hold it: refused (exit 3), and nothing ran.
    const no = await d.cli(['gpu', 'test', slot], bob);
    expect(no.code).toBe(3);
    expect(no.stderr).toMatch(/is not yours/);
    // An admin tests any slot; a whole MIG GPU is several slots and is refused with what to give.
    const admin = await d.cli(['gpu', 'test', '3', '--json'], carol);
    expect(JSON.parse(admin.stdout) as GpuTestResult).toMatchObject({ gpuIndex: 3, label: '3' });
    const many = await d.cli(['gpu', 'test', '0'], carol);
    expect(many.code).toBe(2);
    expect(many.stderr).toMatch(/test one slot at a time/);
    const bad = await d.cli(['gpu', 'test', slot, '--timeout', '2'], alice);
    expect(bad.code).toBe(2);
    expect(await testContainers()).toEqual([]);
  }, 240_000);
});

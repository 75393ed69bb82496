// GPU health from the kernel log (issue 18), on the real daemon: the recorded log of an A100 falling off
// the bus (testing/fixtures/kernel-log/xid-79.log, for GPU 1 of the a100-mig-mixed scenario) is appended
// to the daemon's kernel log; the next probe drains every slot of that GPU with the reason, tells the
// holder, records the non-fatal Xid 13 on GPU 2 without draining it, and new deploys avoid GPU 1 until an
// admin undrains it.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AuditEvent, DeployResult, GpuList } from '../../daemon/api/types/index.js';
import { FIXTURES, startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { deployOnGpu } from '../harness/gpu-placement.js';
import { cleanupTestUsers, isRoot, type TestUser } from '../harness/users.js';

let d: TestDaemon;
let alice: TestUser;
let carol: TestUser;

const gpuList = async () => JSON.parse((await d.cli(['gpu', 'list', '--json'], carol)).stdout) as GpuList;
const events = async (kind: string) =>
  (await d.request('GET', `/v1/events?kind=${kind}`)).body as AuditEvent[];

describe.skipIf(!isRoot())('Xid errors from the kernel log', () => {
  beforeAll(async () => {
    ({ d, alice, carol } = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      policyEdits: { 'defaults.max_runtime': '1h', 'defaults.idle_timeout': '1h' },
    }));
  }, 120_000);
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('Xid 79 drains that GPU with the reason and tells its holder; Xid 13 is only recorded', async () => {
    // alice holds a slot of GPU 1.
    await deployOnGpu(d, { user: alice, admin: carol, gpu: 1, name: 'mine' });

    appendFileSync(join(d.dir, 'kern.log'), readFileSync(join(FIXTURES, 'kernel-log/xid-79.log')));
    expect((await d.cli(['gpu', 'refresh'])).code).toBe(0);

    const slots = (await gpuList()).slots;
    const gpu1 = slots.filter((s) => s.gpuIndex === 1);
    expect(gpu1.length).toBeGreaterThan(0);
    for (const s of gpu1) {
      expect(s.state).toBe('drained');
      expect(s.drainReason).toMatch(/^Xid 79: GPU has fallen off the bus/);
    }
    expect(slots.filter((s) => s.gpuIndex === 2).every((s) => s.state === 'available')).toBe(true);

    const health = await events('gpu.health');
    expect(health.map((e) => e.data?.xid)).toEqual([79, 13]);
    expect(health[0]?.data).toMatchObject({ fatal: true, gpuIndex: 1 });
    expect(health[1]?.data).toMatchObject({ fatal: false, gpuIndex: 2 });
    const told = (await events('gpu.drained_in_use')).filter((e) => e.subjectUid === alice.uid);
    expect(told.at(-1)?.reason).toMatch(/Xid 79: GPU has fallen off the bus/);
    // ds01 doctor names the drained GPU and why.
    const doctor = JSON.parse((await d.cli(['doctor', '--json'], carol)).stdout) as {
      checks: { id: string; status: string; detail: string }[];
    };
    expect(doctor.checks.find((c) => c.id === 'gpu-health')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/^GPU 1: drained \(Xid 79: GPU has fallen off the bus/),
    });
    // The same log read again adds nothing: only new lines count.
    expect((await d.cli(['gpu', 'refresh'])).code).toBe(0);
    expect(await events('gpu.health')).toHaveLength(2);

    // New deploys avoid GPU 1 until an admin undrains it.
    const next = await d.cli(
      ['container', 'deploy', 'next', '--gpus', '1', '--yes', '--background', '--json'],
      alice,
    );
    expect(next.code, next.stderr).toBe(0);
    const nextSlot = (JSON.parse(next.stdout) as DeployResult).container?.gpuSlots[0]?.uuid;
    expect(slots.find((s) => s.uuid === nextSlot)?.gpuIndex).not.toBe(1);
    expect((await d.cli(['gpu', 'undrain', '1', '--reason', 'reset and tested'], carol)).code).toBe(0);
    expect(
      (await gpuList()).slots.filter((s) => s.gpuIndex === 1).every((s) => s.state === 'available'),
    ).toBe(true);
  }, 240_000);
});

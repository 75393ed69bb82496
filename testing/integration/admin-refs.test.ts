// Issue 14, bugs 7 and 8, as a real admin through the real daemon: every slot form `ds01 gpu list` shows
// is accepted by `gpu drain`; `config check` without a file checks the file the daemon actually reads;
// `config explain` names the line each value comes from; an unknown user is "not found" (exit 4).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { GpuList } from '../../daemon/api/types/index.js';
import { startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { cleanupTestUsers, isRoot, type TestUser } from '../harness/users.js';

let d: TestDaemon;
let alice: TestUser;
let carol: TestUser; // admin

async function gpuList(): Promise<GpuList> {
  const r = await d.cli(['gpu', 'list', '--json'], carol);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as GpuList;
}
const drainedUuids = async () =>
  (await gpuList()).slots.filter((s) => s.state === 'drained').map((s) => s.uuid);

describe.skipIf(!isRoot())('admin references (real admin, real daemon)', () => {
  beforeAll(async () => {
    ({ d, alice, carol } = await startDaemonWithCast({ dockerHost: inject('dockerHost') }));
  });
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('gpu drain accepts the SLOT label, a GPU index, a UUID and a unique prefix; an ambiguous prefix is refused', async () => {
    const list = await gpuList();
    const mig = list.slots.find((s) => s.kind === 'mig' && s.gpuIndex === 1 && s.migDeviceIndex === 2);
    expect(mig).toBeDefined();
    const label = `${mig?.gpuIndex}.${mig?.migDeviceIndex}`;
    // The label as `gpu list` prints it in its SLOT column.
    expect((await d.cli(['gpu', 'list'], carol)).stdout).toMatch(
      new RegExp(`^${label.replace('.', '\\.')}\\s`, 'm'),
    );
    let r = await d.cli(['gpu', 'drain', label, '--reason', 'test'], carol);
    expect(r.code, r.stderr).toBe(0);
    expect(await drainedUuids()).toEqual([mig?.uuid]);
    // An abbreviated UUID as a narrow table shows it, trailing … included.
    r = await d.cli(['gpu', 'undrain', `${mig?.uuid.slice(0, 12)}…`, '--reason', 'test'], carol);
    expect(r.code, r.stderr).toBe(0);
    expect(await drainedUuids()).toEqual([]);

    const gpu1 = list.slots.filter((s) => s.gpuIndex === 1).map((s) => s.uuid);
    r = await d.cli(['gpu', 'drain', '1', '--reason', 'test'], carol);
    expect(r.code, r.stderr).toBe(0);
    expect((await drainedUuids()).sort()).toEqual([...gpu1].sort());
    r = await d.cli(['gpu', 'undrain', mig?.gpuUuid as string, '--reason', 'test'], carol);
    expect(r.code, r.stderr).toBe(0);
    expect(await drainedUuids()).toEqual([]);

    // Five characters shared by two MIG slots: ambiguous, with what it matched.
    const five = list.slots.map((s) => s.uuid.slice(0, 5));
    const shared = five.find((p, i) => p.startsWith('MIG-') && five.indexOf(p) !== i) as string;
    expect(shared).toBeDefined();
    r = await d.cli(['gpu', 'drain', shared, '--reason', 'test'], carol);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/matches \d+ GPUs or slots: MIG-/);
    expect(await drainedUuids()).toEqual([]);
    r = await d.cli(['gpu', 'drain', '9.9', '--reason', 'test'], carol);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/SLOT label/);
  });

  it('config check without a file checks the daemon’s --policy, not /etc/ds01', async () => {
    const r = await d.cli(['config', 'check'], carol);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${d.policyPath}: valid`);
    expect(r.stderr).not.toContain('/etc/ds01');
  });

  it('config explain shows the line each value comes from; an unknown user exits 4', async () => {
    const r = await d.cli(['config', 'explain', alice.name], carol);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`policy: ${d.policyPath}`);
    const m = /^max_mig_instances\s+(\S+)\s+defaults \(line (\d+)\)$/m.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const line = readFileSync(d.policyPath, 'utf8').split('\n')[Number(m?.[2]) - 1];
    expect(line).toMatch(new RegExp(`^\\s*max_mig_instances:\\s*${m?.[1]}\\b`));
    const none = await d.cli(['config', 'explain', 'no-such-user-x'], carol);
    expect(none.code).toBe(4);
    expect(none.stderr).toMatch(/user "no-such-user-x" not found/);
  });
});

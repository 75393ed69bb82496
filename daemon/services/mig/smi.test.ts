// MigSmi against the fake nvidia-smi (the real program, a scenario file): what the driver says on failure
// reaches the error, "already gone" is success, and the fake's -lgip/-lgipp read back as ds01's model.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installFakeNvidiaSmi } from '../../../testing/harness/fake-gpu.js';
import { modelFromDriver } from '../../gpu/mig/from-driver.js';
import { modelById } from '../../gpu/mig/models.js';
import { execProgram } from '../gpu-inventory.js';
import { MigCommandError, MigSmi } from './smi.js';

const dir = mkdtempSync(join(tmpdir(), 'ds01-migsmi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fake = installFakeNvidiaSmi(dir, 'a100-mig-mixed');
const smi = new MigSmi(fake.binPath, execProgram);

describe('MigSmi on the fake nvidia-smi', () => {
  it('reads instances and the driver model (same rules as the built-in A100 80GB)', async () => {
    const lgi = await smi.listInstances();
    expect(lgi.filter((r) => r.gpuIndex === 0).map((r) => `${r.profile}@${r.placementStart}`)).toEqual([
      '3g.40gb@4',
      '2g.20gb@2',
      '1g.10gb@0',
      '1g.10gb@1',
    ]);
    const p = await smi.profiles();
    const model = p && modelFromDriver(0, 'A100-80GB', p.lgip, p.lgipp);
    const builtin = modelById('A100-80GB');
    expect(model?.memorySlices).toBe(8);
    const rules = (m: typeof model) =>
      m?.profiles.map((x) => `${x.name}/${x.id}/${x.size}/${x.starts.join('.')}/${x.maxInstances}`).sort();
    expect(rules(model)).toEqual(rules(builtin));
  });

  it('says what the driver said when a change fails, and treats "already gone" as done', async () => {
    expect(await smi.destroy(0, [3])).toHaveLength(2); // -dci, then -dgi
    expect(await smi.destroy(0, [3])).toHaveLength(2); // gone already: still done, not an error
    const s = fake.readScenario() as { gpus: { processes?: unknown[] }[] };
    s.gpus[0] = { ...s.gpus[0], processes: [{ pid: 1, name: 'python', gi: 2, ci: 0, usedMemoryMiB: 10 }] };
    fake.setScenario(s);
    const inUse = await smi.destroy(0, [2]).catch((e: unknown) => e);
    expect(inUse).toBeInstanceOf(MigCommandError);
    expect((inUse as Error).message).toBe(
      '`nvidia-smi mig -i 0 -gi 2 -dci` failed (exit 19): Unable to destroy compute instance ID  0 from GPU  0 GPU instance ID  2: In use by another client',
    );
    const full = await smi.create(0, [9]).catch((e: unknown) => e);
    expect((full as Error).message).toMatch(
      /-cgi 9 -C` failed \(exit 23\): Unable to create a GPU instance on GPU {2}0 using profile 9: Insufficient Resources$/,
    );
  });
});

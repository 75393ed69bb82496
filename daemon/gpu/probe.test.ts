import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execFileResult } from '../../testing/harness/exec.js';
import { installFakeNvidiaSmi, loadGpuScenario } from '../../testing/harness/fake-gpu.js';
import { assessReadings } from './health.js';
import { type Exec, GpuProbeError, probeGpus } from './probe.js';

const dir = mkdtempSync(join(tmpdir(), 'ds01-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fake = installFakeNvidiaSmi(dir, 'none');
const exec: Exec = (file, args) => execFileResult(file, args);

interface ScenarioGpu {
  uuid: string;
  migEnabled?: boolean;
  migDevices?: { uuid: string; profile: string; gi: number; ci: number }[];
}

describe('probeGpus against the fake nvidia-smi', () => {
  it('a100-mig-mixed: 4 GPUs, 11 MIG slots + 2 whole GPUs, GI/CI and process attribution', async () => {
    fake.setScenario('a100-mig-mixed');
    const inv = await probeGpus(fake.binPath, exec);
    const gpus = loadGpuScenario('a100-mig-mixed').gpus as ScenarioGpu[];
    expect(inv).toMatchObject({ driverVersion: '550.90.07', cudaVersion: '12.4' });
    expect(inv.gpus.map((g) => [g.uuid, g.migEnabled, g.totalSlices])).toEqual(
      gpus.map((g) => [g.uuid, g.migEnabled ?? false, 7]),
    );
    expect(inv.slots.filter((s) => s.kind === 'mig')).toHaveLength(11);
    expect(inv.slots.filter((s) => s.kind === 'full').map((s) => s.uuid)).toEqual([
      gpus[2]!.uuid,
      gpus[3]!.uuid,
    ]);
    // Every scenario MIG device is a slot with the right GI/CI/profile; indices follow (GI, CI) order.
    for (const d of gpus.flatMap((g) => g.migDevices ?? [])) {
      expect(inv.slots.find((s) => s.uuid === d.uuid)).toMatchObject({
        profile: d.profile,
        gi: d.gi,
        ci: d.ci,
      });
    }
    expect(inv.slots.filter((s) => s.gpuIndex === 0).map((s) => [s.profile, s.gpuEquivalents])).toEqual([
      ['3g.40gb', 3 / 7],
      ['2g.20gb', 2 / 7],
      ['1g.10gb', 1 / 7],
      ['1g.10gb', 1 / 7],
    ]);
    expect(inv.gpus[0]!.utilizationPct).toBeNull();
    expect(inv.gpus[2]!.utilizationPct).toBe(87);
    const gi2 = gpus[0]!.migDevices!.find((d) => d.gi === 2)!.uuid;
    expect(inv.processes.map((p) => [p.pid, p.slotUuid])).toEqual([
      [48213, gi2],
      [51007, gpus[2]!.uuid],
    ]);
  });

  it('h100x8: 8 whole GPUs', async () => {
    fake.setScenario('h100x8');
    const inv = await probeGpus(fake.binPath, exec);
    expect(inv.slots).toHaveLength(8);
    expect(inv.slots.every((s) => s.kind === 'full' && s.gpuEquivalents === 1)).toBe(true);
    expect(inv.gpus.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(inv.driverVersion).toBe('570.124.06');
  });

  it('consumer: one RTX 4090 slot, MIG unsupported', async () => {
    fake.setScenario('consumer');
    const inv = await probeGpus(fake.binPath, exec);
    expect(inv.gpus).toMatchObject([
      { name: 'NVIDIA GeForce RTX 4090', migEnabled: false, totalSlices: 1, memoryMiB: 24564 },
    ]);
    expect(inv.slots).toMatchObject([{ kind: 'full', computeSlices: 1, gpuEquivalents: 1 }]);
    expect(inv.processes).toMatchObject([{ pid: 2398, slotUuid: inv.gpus[0]!.uuid }]);
  });

  it('none: empty inventory, versions from --version', async () => {
    fake.setScenario('none');
    expect(await probeGpus(fake.binPath, exec)).toEqual({
      driverVersion: '550.90.07',
      cudaVersion: '12.4',
      gpus: [],
      slots: [],
      processes: [],
    });
  });

  it('R610 spellings', async () => {
    fake.setScenario({ ...loadGpuScenario('consumer'), driverVersion: '610.43.02', cudaVersion: '13.3' });
    expect(await probeGpus(fake.binPath, exec)).toMatchObject({
      driverVersion: '610.43.02',
      cudaVersion: '13.3',
    });
  });

  it('a broken driver is a typed error naming the command', async () => {
    fake.setScenario({ gpus: [], driverLoaded: false });
    const err = await probeGpus(fake.binPath, exec).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpuProbeError);
    expect(err).toMatchObject({ kind: 'driver', command: 'nvidia-smi -L', exitCode: 9 });
    fake.setScenario({
      gpus: [],
      fail: { exitCode: 15, stderr: 'Unable to determine the device handle: GPU is lost\n' },
    });
    await expect(probeGpus(fake.binPath, exec)).rejects.toMatchObject({ kind: 'exit', exitCode: 15 });
  });
});

describe('GPU health through the probe (fake nvidia-smi, testing/fixtures/gpu-scenarios/health-*)', () => {
  it.each([
    ['health-retired-pages-pending', 'retired-pages-pending', 'fatal'],
    ['health-remap-failure', 'remap-failure', 'fatal'],
    ['health-ecc-uncorrectable', 'ecc-uncorrectable-volatile', 'fatal'],
    ['health-hot', 'temp-slowdown', 'warning'],
  ])('%s: GPU 1 has %s (%s), GPU 0 nothing', async (scenario, condition, severity) => {
    fake.setScenario(scenario);
    const inv = await probeGpus(fake.binPath, exec);
    const [g0, g1] = inv.gpus.map((g) => assessReadings(g.health!));
    expect(g0).toEqual([]);
    expect(g1?.find((f) => f.condition === condition)?.severity).toBe(severity);
  });

  it('a GPU the driver cannot reach is reported; the others are probed without it', async () => {
    const s = loadGpuScenario('h100x8') as { gpus: Record<string, unknown>[] };
    s.gpus[1]!.deviceError = 'Unknown Error';
    fake.setScenario(s);
    const inv = await probeGpus(fake.binPath, exec);
    expect(inv.gpus.map((g) => g.index)).toEqual([0, 2, 3, 4, 5, 6, 7]);
    expect(inv.gpuErrors).toEqual([{ busId: '0000:2A:00.0', error: 'Unknown Error' }]);
    // Every GPU in error is the driver, not a GPU: a failed probe, as a hung nvidia-smi is.
    for (const g of s.gpus) g.deviceError = 'Unknown Error';
    fake.setScenario(s);
    await expect(probeGpus(fake.binPath, exec)).rejects.toMatchObject({ kind: 'exit', exitCode: 15 });
  });

  it.each(['[GPU requires reset]', 'ERR!'])(
    'readings of %s are reading errors, not a failed probe',
    async (e) => {
      const s = loadGpuScenario('h100x8') as { gpus: Record<string, unknown>[] };
      s.gpus[2]!.readingError = e;
      fake.setScenario(s);
      const inv = await probeGpus(fake.binPath, exec);
      expect(inv.gpus).toHaveLength(8);
      expect(inv.gpus[2]!.temperatureC).toBeNull();
      expect(inv.gpus[2]!.health!.readingErrors).toContain(`temperature/gpu_temp: ${e}`);
      expect(assessReadings(inv.gpus[2]!.health!)).toMatchObject([{ condition: 'reading-error' }]);
      expect(inv.gpus[3]!.health!.readingErrors).toEqual([]);
    },
  );
});

describe('probeGpus with a scripted exec', () => {
  const scripted =
    (answers: Record<string, { stdout?: string; code?: number }>): Exec =>
    async (_file, args) => {
      const a = answers[args.join(' ')] ?? answers[args[0]!.split('=')[0]!];
      if (!a) throw Object.assign(new Error(`spawn ${args.join(' ')} ENOENT`), { code: 'ENOENT' });
      return { stdout: a.stdout ?? '', stderr: '', code: a.code ?? 0 };
    };

  it('reports unparsable output as a parse error with the command', async () => {
    const exec2 = scripted({ '-L': { stdout: 'GPU zero?\n' } });
    await expect(probeGpus('nvidia-smi', exec2)).rejects.toMatchObject({
      kind: 'parse',
      command: 'nvidia-smi -L',
    });
  });

  it('reports a missing binary as a spawn error', async () => {
    await expect(probeGpus('/nope/nvidia-smi', scripted({}))).rejects.toMatchObject({ kind: 'spawn' });
  });

  it('retries --query-gpu without MIG fields on drivers that do not know them', async () => {
    const G = 'GPU-12345678-0000-1111-2222-333344445555';
    const calls: string[] = [];
    const exec2: Exec = async (file, args) => {
      calls.push(args.join(' '));
      return scripted({
        '-L': { stdout: `GPU 0: Tesla P100-PCIE-16GB (UUID: ${G})\n` },
        '--query-gpu': args[0]!.includes('mig.')
          ? { stdout: 'Field "mig.mode.current" is not a valid field to query.\n', code: 2 }
          : { stdout: `0, ${G}, Tesla P100-PCIE-16GB, 00000000:04:00.0, 16280, 0, 0, 37, 418.43\n` },
        '--query-compute-apps': { stdout: '' },
        '-q -x': { stdout: '<nvidia_smi_log><driver_version>418.43</driver_version></nvidia_smi_log>' },
      })(file, args);
    };
    const inv = await probeGpus('nvidia-smi', exec2);
    expect(inv.slots).toMatchObject([{ uuid: G, kind: 'full' }]);
    expect(calls.filter((c) => c.startsWith('--query-gpu'))).toHaveLength(2);
  });
});

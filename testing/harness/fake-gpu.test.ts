import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeNvidiaSmiScript, installFakeNvidiaSmi, loadGpuScenario } from './fake-gpu.js';

const run = promisify(execFile);

async function smi(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  try {
    const { stdout, stderr } = await run(bin, args, { env });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ds01-fake-gpu-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('installFakeNvidiaSmi', () => {
  it('installs a runnable nvidia-smi for a shipped scenario', async () => {
    const fake = installFakeNvidiaSmi(tempDir(), 'a100-mig-mixed');
    const r = await smi(fake.binPath, ['-L']);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^GPU \d+:/gm)).toHaveLength(4);
    expect(r.stdout.match(/^ {2}MIG /gm)).toHaveLength(11);
  });

  it('sees a rewritten scenario on the next call', async () => {
    const fake = installFakeNvidiaSmi(tempDir(), 'h100x8');
    expect((await smi(fake.binPath, ['-L'])).stdout.split('\n').filter(Boolean)).toHaveLength(8);
    fake.setScenario('none');
    const r = await smi(fake.binPath, ['-L']);
    expect(r).toMatchObject({ code: 6, stdout: 'No devices were found\n' });
    fake.setScenario({ gpus: [], fail: { exitCode: 9, stderr: 'driver gone\n' } });
    expect(await smi(fake.binPath, ['-L'])).toMatchObject({ code: 9, stderr: 'driver gone\n' });
    expect(fake.readScenario()).toMatchObject({ fail: { exitCode: 9 } });
  });

  it('accepts a scenario object and rejects unknown scenario names', () => {
    const fake = installFakeNvidiaSmi(tempDir(), { gpus: [] });
    expect(fake.readScenario()).toEqual({ gpus: [] });
    expect(() => fake.setScenario('no-such-scenario')).toThrow(/unknown GPU scenario/);
    expect(loadGpuScenario('consumer')).toHaveProperty('gpus');
  });

  it('the script fails clearly without a scenario', async () => {
    const env = { ...process.env, FAKE_NVIDIA_SMI_SCENARIO: '' };
    const r = await smi(process.execPath, [fakeNvidiaSmiScript, '-L'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FAKE_NVIDIA_SMI_SCENARIO is not set/);
  });

  it('prints a header with units unless noheader/nounits', async () => {
    const fake = installFakeNvidiaSmi(tempDir(), 'consumer');
    const r = await smi(fake.binPath, ['--query-gpu=index,memory.total,mig.mode.current', '--format=csv']);
    expect(r.stdout).toBe('index, memory.total [MiB], mig.mode.current\n0, 24564 MiB, [N/A]\n');
    const bad = await smi(fake.binPath, ['--query-gpu=nope', '--format=csv']);
    expect(bad.code).toBe(2);
  });
});

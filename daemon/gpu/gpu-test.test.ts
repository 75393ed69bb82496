import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { GPU_TEST_SCRIPT, gpuTestPassed, readGpuTest } from './gpu-test.js';

const end = { timedOut: false, timeoutSec: 120, exitCode: 0 };

describe('readGpuTest', () => {
  it('reads each part; the last line of a part wins; other output is ignored', () => {
    const out = [
      'some noise',
      'DS01TEST device fail early guess',
      'DS01TEST device ok GPU 0: NVIDIA A100 (UUID: GPU-1)',
      'DS01TEST memory ok allocated 256 MiB on NVIDIA A100',
      'DS01TEST kernel ok 1024x1024 matmul',
    ].join('\n');
    const parts = readGpuTest(out, end);
    expect(parts.map((p) => [p.name, p.status])).toEqual([
      ['device', 'ok'],
      ['memory', 'ok'],
      ['kernel', 'ok'],
    ]);
    expect(gpuTestPassed(parts)).toBe(true);
  });

  it('a part never reported fails with why: a timeout, or the check ending early', () => {
    const parts = readGpuTest('DS01TEST device ok /dev/nvidia0 present', { ...end, timedOut: true });
    expect(parts.slice(1).map((p) => p.detail)).toEqual(['timed out after 120 s', 'timed out after 120 s']);
    expect(gpuTestPassed(parts)).toBe(false);
    expect(readGpuTest('', { ...end, exitCode: 127 })[0]?.detail).toBe(
      'the check ended (exit 127) before this part',
    );
  });

  it('no CUDA in the image: skipped parts do not fail the test, an invisible device does', () => {
    const skipped = 'DS01TEST memory skipped no CUDA in image\nDS01TEST kernel skipped no CUDA in image';
    expect(gpuTestPassed(readGpuTest(`DS01TEST device ok /dev/nvidia0\n${skipped}`, end))).toBe(true);
    expect(gpuTestPassed(readGpuTest(`DS01TEST device fail no device\n${skipped}`, end))).toBe(false);
  });
});

describe('GPU_TEST_SCRIPT', () => {
  it('is valid sh and, on a machine without nvidia-smi or torch, says so truthfully', () => {
    const out = execFileSync('/bin/sh', ['-c', GPU_TEST_SCRIPT], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'], // `ls`/`tr` are not found either: their complaints are noise
      env: { PATH: '/nonexistent', NVIDIA_VISIBLE_DEVICES: 'GPU-x' },
    });
    // Without a PATH only sh's builtins exist: no nvidia-smi, no python.
    const parts = readGpuTest(out, end);
    expect(parts[0]).toMatchObject({ name: 'device', status: 'fail' });
    expect(parts[0]?.detail).toMatch(/no nvidia-smi in the container \(NVIDIA_VISIBLE_DEVICES=GPU-x\)/);
    expect(parts.slice(1).map((p) => [p.status, p.detail])).toEqual([
      ['skipped', 'no CUDA in image (no python3 with torch)'],
      ['skipped', 'no CUDA in image (no python3 with torch)'],
    ]);
  });
});

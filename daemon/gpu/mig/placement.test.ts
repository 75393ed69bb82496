import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMigLgip, parseMigLgipp } from '../parse/mig-lgip.js';
import { modelFromDriver } from './from-driver.js';
import { modelById, modelOf, wholeProfile } from './models.js';
import { fitLayout } from './placement.js';

const rec = (f: string) =>
  readFileSync(new URL(`../../../../shared/nvidia-smi/${f}`, import.meta.url), 'utf8');
const m = (id: string) => {
  const model = modelById(id);
  if (!model) throw new Error(id);
  return model;
};

describe('models', () => {
  it('finds the model of every MIG product name in the recordings', () => {
    expect(modelOf('NVIDIA A100-SXM4-80GB')?.id).toBe('A100-80GB');
    expect(modelOf('NVIDIA A100 80GB PCIe')?.id).toBe('A100-80GB');
    expect(modelOf('A100-SXM4-40GB')?.id).toBe('A100-40GB');
    expect(modelOf('NVIDIA A100-PCIE-40GB')?.id).toBe('A100-40GB');
    expect(modelOf('NVIDIA H100 80GB HBM3')?.id).toBe('H100');
    expect(modelOf('NVIDIA H100 NVL')?.id).toBe('H100-NVL');
    expect(modelOf('NVIDIA H200')?.id).toBe('H200');
    expect(modelOf('NVIDIA A30')?.id).toBe('A30');
    expect(modelOf('NVIDIA GeForce RTX 4090')).toBeNull();
    expect(wholeProfile(m('H200')).name).toBe('7g.141gb');
    expect(wholeProfile(m('A30')).name).toBe('4g.24gb');
  });
});

describe('fitLayout', () => {
  it('places layouts real GPUs run', () => {
    // a100-mig-mixed scenario: 3g at 4, 2g and two 1g below it
    expect(fitLayout(m('A100-80GB'), ['3g.40gb', '2g.20gb', '1g.10gb', '1g.10gb']).ok).toBe(true);
    expect(fitLayout(m('H100'), Array(7).fill('1g.10gb')).ok).toBe(true);
    expect(fitLayout(m('H100'), ['4g.40gb', '3g.40gb']).ok).toBe(true);
    expect(fitLayout(m('A30'), ['2g.12gb', '1g.6gb', '1g.6gb']).ok).toBe(true);
    expect(fitLayout(m('H200'), ['3g.71gb', '2g.35gb', '1g.18gb', '1g.18gb']).ok).toBe(true);
  });

  it('places the 3g above the smaller ones when it must', () => {
    const r = fitLayout(m('A100-80GB'), ['1g.10gb', '2g.20gb', '1g.10gb', '3g.40gb']);
    expect(r.ok && r.placements.find((p) => p.profile === '3g.40gb')?.start).toBe(4);
  });

  it('refuses with the rule that breaks', () => {
    const three = fitLayout(m('A100-80GB'), ['3g.40gb', '3g.40gb', '1g.10gb']);
    expect(three).toMatchObject({ ok: false });
    expect(!three.ok && three.rule).toMatch(
      /cannot be placed on the A100-80GB: it has 8 memory slices, and 3g.40gb takes 4 memory slices starting at 0 or 4/,
    );
    const compute = fitLayout(m('H100'), ['4g.40gb', '4g.40gb']);
    expect(!compute.ok && compute.rule).toMatch(/at most 1 × 4g.40gb/);
    const name = fitLayout(m('H100'), ['3g.20gb']);
    expect(!name.ok && name.rule).toMatch(
      /"3g.20gb" is not a MIG profile of the H100; its profiles are 1g.10gb/,
    );
    const slices = fitLayout(m('A30'), ['2g.12gb', '2g.12gb', '1g.6gb']);
    expect(!slices.ok && slices.rule).toMatch(/needs 5 compute slices; the A30 has 4/);
    const me = fitLayout(m('H100'), ['1g.10gb+me', '1g.10gb+me']);
    expect(!me.ok && me.rule).toMatch(/at most 1 × 1g.10gb\+me/);
  });

  it('keeps fixed instances where they are', () => {
    expect(fitLayout(m('H100'), ['3g.40gb'], [{ profile: '4g.40gb', start: 0 }]).ok).toBe(true);
    expect(fitLayout(m('H100'), ['4g.40gb'], [{ profile: '1g.10gb', start: 0 }])).toMatchObject({
      ok: false,
    });
  });
});

describe('the driver model (-lgip + -lgipp)', () => {
  it('parses the recordings', () => {
    const lgip = parseMigLgip(rec('h100-4gpu-mig-lgip.txt'));
    expect(lgip).toHaveLength(28);
    expect(lgip[0]).toEqual({ gpuIndex: 0, profile: '1g.10gb', profileId: 19, free: 7, total: 7 });
    const lgipp = parseMigLgipp(rec('a100-40gb-mig-lgipp.txt'));
    expect(lgipp.find((p) => p.profileId === 9)).toEqual({
      gpuIndex: 0,
      profileId: 9,
      starts: [0, 4],
      size: 4,
    });
    expect(lgipp.find((p) => p.profileId === 0)).toEqual({ gpuIndex: 0, profileId: 0, starts: [0], size: 8 });
    expect(parseMigLgip(rec('a30-mig-lgip.txt'))).toHaveLength(5);
    expect(parseMigLgipp(rec('a30-mig-lgipp.txt'))).toHaveLength(5);
  });

  it('builds a model equal in rules to the built-in one', () => {
    const model = modelFromDriver(
      0,
      'A30',
      parseMigLgip(rec('a30-mig-lgip.txt')),
      parseMigLgipp(rec('a30-mig-lgipp.txt')),
    );
    expect(model).toEqual(m('A30'));
    const nvl = modelFromDriver(
      0,
      'H100-NVL',
      parseMigLgip(rec('h100nvl-mig-lgip.txt')),
      parseMigLgipp(rec('h100nvl-mig-lgipp.txt')),
    );
    expect(nvl?.memorySlices).toBe(8);
    expect(nvl?.profiles.map((p) => p.name).sort()).toEqual(
      m('H100-NVL')
        .profiles.map((p) => p.name)
        .sort(),
    );
  });
});

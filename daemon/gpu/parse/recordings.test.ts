// Parses every real recording in ../shared/nvidia-smi (reference data, never copied into the repo) and
// checks counts derived independently by simple line/regex counting, plus exact counts for known files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assessReadings } from '../health.js';
import { parseComputeApps } from './compute-apps.js';
import { parseListGpus } from './list-gpus.js';
import { parseMigLgi } from './mig-lgi.js';
import { parseQueryGpu } from './query-gpu.js';
import { parseQueryXml } from './query-xml.js';

const dir = resolve(fileURLToPath(new URL('../../../../shared/nvidia-smi', import.meta.url)));
const present = existsSync(dir);
const files = present ? readdirSync(dir).sort() : [];
const read = (f: string) => readFileSync(join(dir, f), 'utf8');

const listFiles = files.filter((f) => /-L[-.].*txt$|-L\.txt$/.test(f));
const queryGpuFiles = files.filter((f) => /query-gpu.*\.csv$/.test(f));
const computeAppFiles = files.filter((f) => /query-compute-apps.*\.csv$/.test(f));
const xmlFiles = files.filter((f) => f.endsWith('.xml'));
const lgiFiles = files.filter((f) => /-lgi-[^p].*\.txt$/.test(f) && !f.includes('-and-'));

/** Transcripts carry shell prompts, kubectl chatter and `...` crops: keep only lines with a UUID. */
const outputOnly = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.includes('(UUID:'))
    .join('\n');

describe.skipIf(!present)('recorded nvidia-smi outputs (../shared/nvidia-smi)', () => {
  it('finds the recordings', () => {
    expect(listFiles.length).toBeGreaterThan(30);
    expect(queryGpuFiles.length).toBeGreaterThan(10);
    expect(xmlFiles.length).toBeGreaterThan(10);
  });

  it.each(listFiles)('-L %s', (file) => {
    const text = outputOnly(read(file));
    const gpus = parseListGpus(text);
    const migs = gpus.flatMap((g) => g.migDevices);
    expect(gpus).toHaveLength(text.match(/^\s*GPU \d+: /gm)?.length ?? 0);
    expect(migs).toHaveLength(text.match(/\(UUID: MIG-/g)?.length ?? 0);
    expect(gpus.map((g) => g.uuid)).toEqual([...text.matchAll(/\(UUID: (GPU-[^)]+)\)/g)].map((m) => m[1]));
    expect(migs.map((d) => d.uuid)).toEqual([...text.matchAll(/\(UUID: (MIG-[^)]+)\)/g)].map((m) => m[1]));
    expect(migs.map((d) => d.profile)).toEqual(
      [...text.matchAll(/MIG\s+(\S+)?\s*Device/g)].map((m) => m[1] ?? null),
    );
    for (const d of migs)
      expect(d.uuid).toMatch(
        /^MIG-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|GPU-.*\/\d+\/\d+)$/,
      );
  });

  const exact: [string, number, number, string[]][] = [
    ['h100-8gpu-mig-L-56x1g10gb.txt', 8, 56, ['1g.10gb']],
    [
      'a100-40gb-8gpu-mig-L-r470.txt',
      8,
      26,
      [
        '1g.5gb',
        '2g.10gb',
        '3g.20gb',
        '7g.40gb',
        '1c.3g.20gb',
        '4g.20gb',
        '1c.7g.40gb',
        '2c.7g.40gb',
        '3c.7g.40gb',
      ],
    ],
    ['a100-80gb-4gpu-mixed-mig-L-nvitop8.txt', 4, 9, ['2g.20gb']],
    ['h100-mig-L-r570-ci-split.txt', 1, 5, ['1c.3g.40gb', '1g.10gb']],
    ['a100-40gb-mig-L-450-legacy-7x1g.txt', 1, 7, ['1g.5gb']],
    ['a100-prerelease-mig-L-legacy-noprofile.txt', 1, 3, []],
    ['a10-2gpu-L.txt', 2, 0, []],
  ];
  it.each(exact)('exact counts for %s', (file, gpuCount, migCount, profiles) => {
    const gpus = parseListGpus(outputOnly(read(file)));
    const migs = gpus.flatMap((g) => g.migDevices);
    expect([gpus.length, migs.length]).toEqual([gpuCount, migCount]);
    expect([...new Set(migs.map((d) => d.profile).filter((p) => p !== null))]).toEqual(profiles);
  });

  it('legacy UUIDs carry GI/CI', () => {
    const [gpu] = parseListGpus(read('a100-40gb-mig-L-450-legacy-mixed.txt'));
    expect(gpu!.migDevices.map((d) => [d.legacyGi, d.legacyCi])).toEqual([
      [2, 0],
      [3, 0],
      [9, 0],
    ]);
  });

  it.each(queryGpuFiles)('--query-gpu %s', (file) => {
    const text = read(file);
    const rows = parseQueryGpu(text);
    expect(rows).toHaveLength(text.trim().split('\n').length - 1);
    const header = text.split('\n')[0]!.split(', ');
    if (header.includes('uuid')) for (const r of rows) expect(r.uuid).toMatch(/^GPU-/);
    // Utilisation is [N/A] exactly when MIG is on (NOTES.md §3).
    if (header.includes('utilization.gpu [%]') && header.includes('mig.mode.current')) {
      for (const r of rows) expect(r.utilizationPct === null).toBe(r.migMode === 'Enabled');
    }
  });

  it('MIG-enabled query-gpu shows [N/A] utilisation and aggregate memory', () => {
    const [row] = parseQueryGpu(read('h100-mig-query-gpu-full-load.csv'));
    expect(row).toMatchObject({
      migMode: 'Enabled',
      utilizationPct: null,
      name: 'NVIDIA H100 80GB HBM3',
      driverVersion: '590.48.01',
    });
    expect(row!.memoryUsedMiB).toBeGreaterThan(10_000);
    expect(parseQueryGpu(read('rtx4070laptop-query-gpu-migmode-na.csv'))[0]!.migMode).toBeNull();
  });

  it.each(computeAppFiles)('--query-compute-apps %s', (file) => {
    const text = read(file);
    const rows = parseComputeApps(text);
    expect(rows).toHaveLength(text.trim().split('\n').length - 1);
    for (const r of rows) expect(r.gpuUuid).toMatch(/^GPU-/);
  });

  it.each(xmlFiles)('-q -x %s', (file) => {
    const text = read(file);
    const q = parseQueryXml(text);
    expect(q.gpus).toHaveLength(text.match(/<gpu id=/g)?.length ?? 0);
    expect(q.gpus.flatMap((g) => g.migDevices)).toHaveLength(text.match(/<mig_device>/g)?.length ?? 0);
    expect(q.gpus.flatMap((g) => g.processes)).toHaveLength(text.match(/<process_info>/g)?.length ?? 0);
    expect(q.gpus.map((g) => g.uuid)).toEqual(
      [...text.matchAll(/<uuid>(GPU-[^<]+)<\/uuid>/g)].map((m) => m[1]),
    );
    expect(q.driverVersion).toMatch(/^\d+\.\d+/);
  });

  // Health readings: every recorded GPU is a working one, so none has a condition ds01 acts on, and the
  // spelling of each generation is read (counts where the GPU reports them, null where it says N/A).
  it.each(xmlFiles)('health readings of %s', (file) => {
    for (const g of parseQueryXml(read(file)).gpus) {
      expect(g.health.readingErrors).toEqual([]);
      expect(assessReadings(g.health).filter((f) => f.severity !== 'warning')).toEqual([]);
      expect(g.health.temperatureC).toBe(g.temperatureC);
    }
  });

  it('health spellings: Ampere sram/dram, pre-Ampere single/double bit, R555+ T.Limit', () => {
    const a100 = parseQueryXml(read('a100-80gb-mig-q.xml')).gpus[0]!.health;
    expect(a100).toMatchObject({
      eccVolatileUncorrectable: 0,
      eccAggregateUncorrectable: 0,
      retiredPagesSbe: null,
      retiredPagesPending: null,
      remapFailure: null,
      temperatureC: 27,
      tempShutdownC: 92,
      tempSlowdownC: 89,
      tempMaxOperatingC: 85,
      tempTargetC: null,
    });
    const p100 = parseQueryXml(read('p100-q.xml')).gpus[0]!.health;
    expect(p100).toMatchObject({
      eccAggregateCorrectable: 3,
      eccAggregateUncorrectable: 0,
      retiredPagesSbe: 0,
      retiredPagesDbe: 0,
      retiredPagesPending: false,
      tempShutdownC: 85,
    });
    const a10g = parseQueryXml(read('a10g-q.xml')).gpus[0]!.health;
    expect(a10g).toMatchObject({ remapPending: false, remapFailure: false, remappedRowsUncorrectable: 0 });
    const rtx4090 = parseQueryXml(read('rtx4090-q.xml')).gpus[0]!.health;
    expect(rtx4090).toMatchObject({
      tlimitMarginC: 43,
      tlimitShutdownC: -7,
      tlimitSlowdownC: -2,
      tlimitMaxOperatingC: 0,
      tempTargetC: 84,
      eccVolatileUncorrectable: null,
    });
  });

  it('exact MIG devices from a100-80gb-mig-q.xml', () => {
    const [gpu] = parseQueryXml(read('a100-80gb-mig-q.xml')).gpus;
    expect(gpu!.migDevices.map((d) => [d.index, d.gi, d.ci, d.memoryTotalMiB])).toEqual([
      [0, 3, 0, 19968],
      [1, 4, 0, 19968],
      [2, 5, 0, 19968],
      [3, 6, 0, 19968],
    ]);
    expect(gpu).toMatchObject({ migEnabled: true, utilizationPct: null, memoryTotalMiB: 81920 });
  });

  it.each(lgiFiles)('mig -lgi %s', (file) => {
    const text = read(file);
    expect(parseMigLgi(text)).toHaveLength(text.match(/^\|\s+\d+\s+MIG /gm)?.length ?? 0);
  });
});

it.runIf(!present)('skips recording tests: ../shared/nvidia-smi is absent', () => {
  console.warn(`skipping nvidia-smi recording tests: ${dir} not found`);
});

// Installs the fake `nvidia-smi` into a directory so a daemon (or a test) can be pointed at it with
// `--nvidia-smi <dir>/nvidia-smi` or by putting <dir> first on PATH. The scenario lives beside it and can
// be swapped while the daemon runs: the fake re-reads it on every invocation.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The fake nvidia-smi program (plain ESM JavaScript, runs with node). */
export const fakeNvidiaSmiScript = join(repoRoot, 'testing/fake-nvidia-smi/nvidia-smi.mjs');

/** Folder of shipped scenarios (`a100-mig-mixed`, `h100x8`, `consumer`, `none`). */
export const gpuScenarioDir = join(repoRoot, 'testing/fixtures/gpu-scenarios');

export type ShippedScenario = 'a100-mig-mixed' | 'h100x8' | 'consumer' | 'none';

/** A scenario name (shipped fixture), or the scenario object itself. */
export type ScenarioInput = ShippedScenario | (string & {}) | Record<string, unknown>;

export interface FakeGpu {
  /** Executable to use as `nvidia-smi`. */
  binPath: string;
  scenarioPath: string;
  /** Replaces the scenario atomically (the next nvidia-smi call sees the new one). */
  setScenario(scenario: ScenarioInput): void;
  readScenario(): Record<string, unknown>;
}

/** Loads a shipped scenario by name, e.g. `loadGpuScenario('a100-mig-mixed')`. */
export function loadGpuScenario(name: string): Record<string, unknown> {
  const file = join(gpuScenarioDir, `${name}.json`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`unknown GPU scenario "${name}" (looked for ${file}): ${(err as Error).message}`);
  }
}

/**
 * The a100 scenario cut down to ONE 1g.10gb slot: every deploy, queue entry and booking meets on it (a second
 * deploy must wait for the first to go).
 */
export function oneSlotScenario(): Record<string, unknown> {
  const s = loadGpuScenario('a100-mig-mixed') as { gpus: { migDevices?: { profile: string }[] }[] };
  const gpu0 = {
    ...(s.gpus[0] as object),
    migDevices: s.gpus[0]?.migDevices?.filter((m) => m.profile === '1g.10gb').slice(0, 1),
    processes: [],
  };
  return { ...s, description: 'one 1g.10gb slot', gpus: [gpu0] };
}

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function installFakeNvidiaSmi(dir: string, scenario: ScenarioInput): FakeGpu {
  mkdirSync(dir, { recursive: true });
  const binPath = join(resolve(dir), 'nvidia-smi');
  const scenarioPath = join(resolve(dir), 'scenario.json');

  const setScenario = (input: ScenarioInput): void => {
    const obj = typeof input === 'string' ? loadGpuScenario(input) : input;
    writeAtomically(scenarioPath, `${JSON.stringify(obj, null, 2)}\n`);
  };
  setScenario(scenario);

  const wrapper = [
    '#!/bin/sh',
    `FAKE_NVIDIA_SMI_SCENARIO=${shellQuote(scenarioPath)}`,
    'export FAKE_NVIDIA_SMI_SCENARIO',
    `exec ${shellQuote(process.execPath)} ${shellQuote(fakeNvidiaSmiScript)} "$@"`,
    '',
  ].join('\n');
  writeAtomically(binPath, wrapper);
  chmodSync(binPath, 0o755);

  return {
    binPath,
    scenarioPath,
    setScenario,
    readScenario: () => JSON.parse(readFileSync(scenarioPath, 'utf8')) as Record<string, unknown>,
  };
}

// `nvidia-smi -L`. Handles every spelling seen in the recordings: `MIG-<uuid>` (R470+) and legacy
// `MIG-GPU-<uuid>/<gi>/<ci>` (R450/R460), the pre-release `MIG Device 0:` without a profile, and
// variable padding (`MIG 1g.10gb     Device  0:` vs `MIG 3g.20gb Device 0:`) and indentation.
import { NvidiaSmiParseError, splitLines } from './errors.js';

export interface ListedMigDevice {
  index: number;
  /** null on the pre-release driver that printed no profile. */
  profile: string | null;
  uuid: string;
  /** GI/CI embedded in a legacy `MIG-GPU-<uuid>/<gi>/<ci>` UUID, else null. */
  legacyGi: number | null;
  legacyCi: number | null;
}

export interface ListedGpu {
  index: number;
  name: string;
  uuid: string;
  migDevices: ListedMigDevice[];
}

const GPU_LINE = /^\s*GPU\s+(\d+):\s+(.*?)\s+\(UUID:\s*(GPU-[^\s)]+)\)\s*$/;
const MIG_LINE = /^\s*MIG\s+(?:(\S+)\s+)?Device\s+(\d+):\s+\(UUID:\s*(MIG-[^\s)]+)\)\s*$/;
const LEGACY_MIG_UUID = /^MIG-GPU-[0-9a-fA-F-]+\/(\d+)\/(\d+)$/;

const DEVICE_ERROR =
  /^\s*Unable to determine the device handle for (?:GPU|gpu)\s*((?:[0-9A-Fa-f]{4,8}:)?[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}(?:\.\d)?):\s*(.*?)\s*$/;

/**
 * The lines of `-L` output (stdout + stderr) that name a GPU the driver cannot reach, split from the rest:
 * `Unable to determine the device handle for GPU 0000:3B:00.0: Unknown Error` (nvidia-smi then exits 15
 * or 255 and still lists the GPUs that answer).
 */
export function splitDeviceErrors(text: string): {
  rest: string;
  errors: { busId: string; error: string }[];
} {
  const errors: { busId: string; error: string }[] = [];
  const rest: string[] = [];
  for (const line of splitLines(text)) {
    const m = DEVICE_ERROR.exec(line);
    if (m) errors.push({ busId: m[1] as string, error: (m[2] as string).replace(/\.$/, '') || 'error' });
    else rest.push(line);
  }
  return { rest: rest.join('\n'), errors };
}

export function parseListGpus(text: string): ListedGpu[] {
  const gpus: ListedGpu[] = [];
  splitLines(text).forEach((line, i) => {
    if (line.trim() === '') return;
    const gpu = GPU_LINE.exec(line);
    if (gpu) {
      gpus.push({ index: Number(gpu[1]), name: gpu[2]!, uuid: gpu[3]!, migDevices: [] });
      return;
    }
    const mig = MIG_LINE.exec(line);
    if (!mig) throw new NvidiaSmiParseError('nvidia-smi -L', i + 1, line, 'not a GPU or MIG device line');
    const parent = gpus.at(-1);
    if (!parent) throw new NvidiaSmiParseError('nvidia-smi -L', i + 1, line, 'MIG device before any GPU');
    const uuid = mig[3]!;
    const legacy = LEGACY_MIG_UUID.exec(uuid);
    parent.migDevices.push({
      index: Number(mig[2]),
      profile: mig[1] ?? null,
      uuid,
      legacyGi: legacy ? Number(legacy[1]) : null,
      legacyCi: legacy ? Number(legacy[2]) : null,
    });
  });
  return gpus;
}

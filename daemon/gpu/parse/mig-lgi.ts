// `nvidia-smi mig -lgi`: one table row per GPU instance (rows are not sorted by GI id).
import { NvidiaSmiParseError, splitLines } from './errors.js';

export interface GpuInstanceRow {
  gpuIndex: number;
  /** GI profile without the `MIG ` prefix, e.g. `3g.40gb`, `1g.24gb+me`. */
  profile: string;
  profileId: number;
  gi: number;
  placementStart: number;
  placementSize: number;
}

const ROW = /^\|\s*(\d+)\s+MIG\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+):(\d+)\s*\|$/;
// Lines that carry no data: borders, title, column headers.
const DECORATION =
  /^(\+[-=+]*\+|\|[=]+\||\|\s*GPU instances:\s*\||\|\s*GPU\s+Name\b.*\||\|\s*ID\s+ID\s+Start:Size\s*\|)$/;

export function parseMigLgi(text: string): GpuInstanceRow[] {
  const rows: GpuInstanceRow[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || DECORATION.test(line)) return;
    if (/^No GPU instances found/.test(line)) return;
    const m = ROW.exec(line);
    if (!m) throw new NvidiaSmiParseError('nvidia-smi mig -lgi', i + 1, raw, 'not a GPU instance row');
    rows.push({
      gpuIndex: Number(m[1]),
      profile: m[2]!,
      profileId: Number(m[3]),
      gi: Number(m[4]),
      placementStart: Number(m[5]),
      placementSize: Number(m[6]),
    });
  });
  return rows;
}

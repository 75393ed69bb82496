// `nvidia-smi mig -lgip` (GPU instance profiles: name, id, instances free/total) and `mig -lgipp` (their
// possible placements). Recordings: a100-80gb-pcie-mig-lgip.txt, h100-4gpu-mig-lgip.txt, a30-mig-lgipp.txt.
import { NvidiaSmiParseError, splitLines } from './errors.js';

export interface GpuInstanceProfileRow {
  gpuIndex: number;
  /** Without the `MIG ` prefix, e.g. `1g.10gb+me`. */
  profile: string;
  profileId: number;
  free: number;
  total: number;
}

export interface PlacementRow {
  gpuIndex: number;
  profileId: number;
  starts: number[];
  size: number;
}

// `|   0  MIG 1g.10gb       19     7/7        9.50       No     14     0     0   |`
const LGIP_ROW = /^\|\s*(\d+)\s+MIG\s+(\S+)\s+(\d+)\s+(\d+)\/(\d+)\s+[\d.]+\s+\S+\s+\d+\s+\d+\s+\d+\s*\|$/;
// The second line of a profile (CE JPEG OFA counts) and the decoration.
const LGIP_SKIP =
  /^(\+[-=+]*\+|\|[=]+\||\|\s*GPU instance profiles:\s*\||\|\s*GPU\s+Name\b.*\||\|\s*Free\/Total\b.*\||\|\s+(\d+\s+){2}\d+\s*\|)$/;

export function parseMigLgip(text: string): GpuInstanceProfileRow[] {
  const rows: GpuInstanceProfileRow[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || LGIP_SKIP.test(line)) return;
    const m = LGIP_ROW.exec(line);
    if (!m)
      throw new NvidiaSmiParseError('nvidia-smi mig -lgip', i + 1, raw, 'not a GPU instance profile row');
    rows.push({
      gpuIndex: Number(m[1]),
      profile: m[2] as string,
      profileId: Number(m[3]),
      free: Number(m[4]),
      total: Number(m[5]),
    });
  });
  return rows;
}

// `GPU  0 Profile ID 19 Placements: {0,1,2,3,4,5,6}:1` / `GPU  0 Profile ID  0 Placement : {0}:8`
const LGIPP_ROW = /^GPU\s+(\d+)\s+Profile ID\s+(\d+)\s+Placements?\s*:\s*\{([\d,\s]*)\}:(\d+)$/;

export function parseMigLgipp(text: string): PlacementRow[] {
  const rows: PlacementRow[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const m = LGIPP_ROW.exec(line);
    if (!m) throw new NvidiaSmiParseError('nvidia-smi mig -lgipp', i + 1, raw, 'not a placement line');
    rows.push({
      gpuIndex: Number(m[1]),
      profileId: Number(m[2]),
      starts: (m[3] as string)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map(Number),
      size: Number(m[4]),
    });
  });
  return rows;
}

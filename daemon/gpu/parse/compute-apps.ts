// `nvidia-smi --query-compute-apps=…`. Its gpu_uuid is the PARENT GPU even for MIG processes and it has
// no GI/CI field, so MIG attribution needs `-q -x` (NOTES.md §3).
import { csvNumber, csvString, parseSmiCsv } from './csv.js';
import { NvidiaSmiParseError } from './errors.js';

export const COMPUTE_APPS_FIELDS = ['pid', 'gpu_uuid', 'process_name', 'used_gpu_memory'] as const;

export interface ComputeAppRow {
  pid: number;
  gpuUuid: string;
  name: string;
  usedMemoryMiB: number | null;
}

const WHAT = 'nvidia-smi --query-compute-apps';

/** `fields`: what was queried (needed for noheader output); omit to read the names from the header. */
export function parseComputeApps(text: string, fields?: readonly string[]): ComputeAppRow[] {
  return parseSmiCsv(text, WHAT, fields).map((row) => {
    const pid = csvNumber(row, 'pid', WHAT);
    const gpuUuid = csvString(row, 'gpu_uuid');
    if (pid === null || !gpuUuid)
      throw new NvidiaSmiParseError(WHAT, row.line, row.text, 'no pid or gpu_uuid');
    return {
      pid,
      gpuUuid,
      name: csvString(row, 'process_name') ?? csvString(row, 'name') ?? '',
      usedMemoryMiB: csvNumber(row, 'used_gpu_memory', WHAT) ?? csvNumber(row, 'used_memory', WHAT),
    };
  });
}

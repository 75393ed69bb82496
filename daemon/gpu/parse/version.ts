// `nvidia-smi --version`. R610 prints `DRIVER version : Deprecated, see "KMD version" instead` and adds
// `KMD version` / `CUDA UMD version` lines.
import { splitLines } from './errors.js';

export interface SmiVersions {
  driverVersion: string | null;
  cudaVersion: string | null;
}

const VERSION = /^\d+(?:\.\d+)+$/;

export function parseVersion(text: string): SmiVersions {
  const fields = new Map<string, string>();
  for (const line of splitLines(text)) {
    const m = /^\s*([^:]+?)\s*:\s*(.*?)\s*$/.exec(line);
    if (m) fields.set(m[1]!.toLowerCase(), m[2]!);
  }
  const pick = (...keys: string[]) => {
    for (const k of keys) {
      const v = fields.get(k)?.split(/\s/)[0];
      if (v && VERSION.test(v)) return v;
    }
    return null;
  };
  return {
    driverVersion: pick('kmd version', 'driver version'),
    cudaVersion: pick('cuda umd version', 'cuda version'),
  };
}

// The model a GPU's own driver describes (`mig -lgip` + `mig -lgipp`), preferred over the built-in table:
// the driver knows its profiles (new ones, `+me` variants) and placements exactly. Pure.
import type { GpuInstanceProfileRow, PlacementRow } from '../parse/mig-lgip.js';
import { parseMigProfile } from '../parse/profile.js';
import type { MigModel, MigProfileSpec } from './models.js';

/**
 * The driver's view of GPU `gpuIndex`, named after the built-in model when there is one. Null when the
 * driver listed nothing usable for it (then the built-in table is used).
 */
export function modelFromDriver(
  gpuIndex: number,
  id: string,
  lgip: readonly GpuInstanceProfileRow[],
  lgipp: readonly PlacementRow[],
): MigModel | null {
  const profiles: MigProfileSpec[] = [];
  for (const row of lgip.filter((r) => r.gpuIndex === gpuIndex)) {
    const place = lgipp.find((p) => p.gpuIndex === gpuIndex && p.profileId === row.profileId);
    const parsed = parseMigProfile(row.profile);
    if (!place || !parsed || place.starts.length === 0) continue;
    profiles.push({
      name: row.profile,
      id: row.profileId,
      computeSlices: parsed.giSlices,
      size: place.size,
      starts: place.starts,
      maxInstances: row.total,
    });
  }
  if (profiles.length === 0) return null;
  return {
    id,
    memorySlices: Math.max(...profiles.flatMap((p) => p.starts.map((s) => s + p.size))),
    computeSlices: Math.max(...profiles.map((p) => p.computeSlices)),
    profiles,
  };
}

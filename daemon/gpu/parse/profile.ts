// MIG profile names: `<G>g.<mem>gb` (one CI spanning the GI) or `<C>c.<G>g.<mem>gb` (GI split into CIs),
// optionally with media/graphics suffixes (`+me`, `-me`, `+me.all`, `+gfx`). See NOTES.md §1.1.

export interface MigProfile {
  /** Compute slices of this device: C for `Cc.Gg…`, else G. */
  computeSlices: number;
  /** Compute slices of the GPU instance it lives in (G). */
  giSlices: number;
  memoryGb: number;
  suffix: string;
}

const PROFILE = /^(?:(\d+)c\.)?(\d+)g\.(\d+)gb((?:[+-][a-z][a-z.]*)*)$/;

export function parseMigProfile(name: string): MigProfile | null {
  const m = PROFILE.exec(name);
  if (!m) return null;
  const giSlices = Number(m[2]);
  return {
    computeSlices: m[1] === undefined ? giSlices : Number(m[1]),
    giSlices,
    memoryGb: Number(m[3]),
    suffix: m[4] ?? '',
  };
}

/** The GPU-instance part of a profile: `1c.3g.40gb` → `3g.40gb` (how `mig -lgi` names it). */
export function giProfileOf(name: string): string {
  return name.replace(/^\d+c\./, '');
}

/** A GPU-instance profile a layout may name (no `Nc.` compute-instance prefix): `3g.40gb`, `1g.10gb+me`. */
export const MIG_PROFILE_NAME = /^\d+g\.\d+gb(?:[+-][a-z][a-z.]*)*$/;

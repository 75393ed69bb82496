// PURE: when the state directory's disk is worth telling admins about. Once when it crosses the warning
// level, again only after it went back under it by a margin (no alert storm around the line).
export const DISK_LOW_PCT = 90;
const REARM_PCT = 85;

export function diskAlert(usedPct: number, alerted: boolean): { alert: boolean; alerted: boolean } {
  if (!alerted && usedPct >= DISK_LOW_PCT) return { alert: true, alerted: true };
  if (alerted && usedPct < REARM_PCT) return { alert: false, alerted: false };
  return { alert: false, alerted };
}

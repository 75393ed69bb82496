// Storage quotas (issue 21), the pure part: where a measured use stands against a user's soft and hard limit,
// when that changes enough to tell them (once per crossing, not every scan), and the refusal a deploy or build
// gets over a hard limit, naming what to delete. No I/O: services/quota.ts measures and stores.

export type StorageKind = 'workspace' | 'images';
/** ok: under the soft limit; soft: at or over it (a warning); hard: at or over the hard limit (refusals). */
export type QuotaLevel = 'ok' | 'soft' | 'hard';

export interface StorageQuota {
  /** null = no quota set. */
  hardBytes: number | null;
  /** hard × soft_limit_threshold, rounded down; null with no quota. */
  softBytes: number | null;
}

export function quotaOf(hardBytes: number | null, threshold: number): StorageQuota {
  return { hardBytes, softBytes: hardBytes === null ? null : Math.floor(hardBytes * threshold) };
}

/** null: nothing to compare (no quota, or not measured yet). A hard limit of 0 refuses everything. */
export function levelOf(usedBytes: number | null, q: StorageQuota): QuotaLevel | null {
  if (usedBytes === null || q.hardBytes === null || q.softBytes === null) return null;
  if (usedBytes >= q.hardBytes) return 'hard';
  return usedBytes >= q.softBytes ? 'soft' : 'ok';
}

const RANK: Record<QuotaLevel, number> = { ok: 0, soft: 1, hard: 2 };

/**
 * What a new measurement means for the user: `warn` when it crossed up into soft or hard since the level
 * last stored (each crossing once), `clear` when it fell back under the soft limit, else nothing. An
 * unknown new level (not measured, quota removed) changes nothing: the stored level stays.
 */
export function crossing(stored: QuotaLevel | null, next: QuotaLevel | null): 'warn' | 'clear' | null {
  if (next === null) return null;
  const before = RANK[stored ?? 'ok'];
  if (RANK[next] > before) return 'warn';
  if (next === 'ok' && before > 0) return 'clear';
  return null;
}

/** The level to store after a measurement: the new one when known, else the one stored. */
export function levelToStore(stored: QuotaLevel | null, next: QuotaLevel | null): QuotaLevel | null {
  return next ?? stored;
}

/** 1887437 → "1.8 MiB" (the CLI's unit style, for the daemon's own sentences). */
export function humanSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let n = bytes;
  let i = 0;
  while (i < units.length - 1 && Math.round(n * 10) / 10 >= 1024) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(n)} B` : `${n.toFixed(1)} ${units[i]}`;
}

export function percentOf(used: number, limit: number): string {
  return limit <= 0 ? '100%' : `${Math.floor((used / limit) * 100)}%`;
}

export interface Largest {
  /** A top-level entry of ~/workspace, or an image reference; already made printable. */
  name: string;
  bytes: number;
}

export interface KindUse {
  kind: StorageKind;
  usedBytes: number | null;
  quota: StorageQuota;
  /** Largest first. */
  largest: readonly Largest[];
}

const POLICY_KEY: Record<StorageKind, string> = { workspace: 'storage_workspace', images: 'storage_images' };
const WHAT: Record<StorageKind, string> = { workspace: 'your ~/workspace uses', images: 'your images use' };

/** The warning sentence for a crossing into `level` (notice, terminals, notification). */
export function warningText(u: KindUse, level: QuotaLevel): string {
  const used = u.usedBytes ?? 0;
  const hard = u.quota.hardBytes ?? 0;
  const head = `ds01: ${WHAT[u.kind]} ${humanSize(used)}, ${percentOf(used, hard)} of its ${humanSize(hard)} quota`;
  const then =
    level === 'hard'
      ? ' — over the limit: new deploys and image builds are refused until you free space (running containers keep running).'
      : ` — over the ${percentOf(u.quota.softBytes ?? 0, hard)} warning level; at ${humanSize(hard)} new deploys and builds are refused.`;
  return `${head}${then} ${deleteHint(u)}`;
}

/** What to delete: the largest entries, and the command that frees them. */
export function deleteHint(u: KindUse): string {
  const top = u.largest
    .slice(0, 3)
    .map((l) => `${l.name} (${humanSize(l.bytes)})`)
    .join(', ');
  if (u.kind === 'workspace')
    return `Largest in ~/workspace: ${top || 'nothing measured'}; delete what you no longer need, then run \`ds01 quota --refresh\`.`;
  return `Largest images: ${top || 'none'}; remove one with \`image-delete NAME\`.`;
}

export interface Refusal {
  message: string;
  hint: string;
}

/**
 * The refusal of something that writes more (deploy, create, build, launch) for the kinds at or over their hard
 * limit; null = allowed. `enforce: false` (policies.enforce_storage_quotas) measures and warns, never refuses.
 */
export function refusal(action: string, uses: readonly KindUse[], enforce: boolean): Refusal | null {
  if (!enforce) return null;
  const over = uses.filter((u) => levelOf(u.usedBytes, u.quota) === 'hard');
  if (over.length === 0) return null;
  const what = over
    .map(
      (u) =>
        `${WHAT[u.kind]} ${humanSize(u.usedBytes ?? 0)} of its ${humanSize(u.quota.hardBytes ?? 0)} quota (${POLICY_KEY[u.kind]})`,
    )
    .join('; ');
  return {
    message: `${action} refused: ${what}`,
    hint: `${over.map(deleteHint).join(' ')} Running containers keep running; retire, stop and delete still work.`,
  };
}

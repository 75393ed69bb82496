// The one unit style of every command (docker/kubectl-like): sizes in binary units with one decimal,
// durations as at most two units ("2d 12h", never "60.5h"), absolute times in the local zone with the
// zone named (daemon/common/when.ts: the daemon's sentences use the same form), GPU-hours with two decimals,
// rates per second. Pure: time comes in as a parameter.
import { localWhen } from '../../daemon/common/when.js';

const SIZE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

function scaled(bytes: number): { n: number; unit: (typeof SIZE_UNITS)[number] } {
  let n = Math.abs(bytes);
  let i = 0;
  // 1023.96 MiB would print as "1024.0 MiB": move up once the rounded value reaches 1024.
  while (i < SIZE_UNITS.length - 1 && Math.round(n * 10) / 10 >= 1024) {
    n /= 1024;
    i++;
  }
  return { n: Math.sign(bytes) * n, unit: SIZE_UNITS[i] ?? 'B' };
}

/** 1887437 → "1.8 MiB"; bytes stay whole ("512 B"); null/NaN → "-". */
export function size(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '-';
  const { n, unit } = scaled(bytes);
  return unit === 'B' ? `${Math.round(n)} B` : `${n.toFixed(1)} ${unit}`;
}

/** A size given in MiB (nvidia-smi's unit): 24064 → "23.5 GiB". */
export const sizeMiB = (mib: number | null | undefined) =>
  mib === null || mib === undefined ? '-' : size(mib * 1024 ** 2);

/** "1.8 MiB / 23.5 GiB"; an unknown limit reads "-". */
export const usedOf = (used: number | null | undefined, total: number | null | undefined) =>
  `${size(used)} / ${size(total)}`;

/** 1048576 → "1 MiB/s" (a trailing ".0" dropped: thresholds are round numbers). */
export function rate(bytesPerSec: number | null | undefined): string {
  if (bytesPerSec === null || bytesPerSec === undefined || !Number.isFinite(bytesPerSec)) return '-';
  return `${size(bytesPerSec).replace(/\.0 /, ' ')}/s`;
}

const DURATION_UNITS = [
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
] as const;

/** 216_000_000 (60 h) → "2d 12h"; the two largest units, rounded to whole seconds; "0s" for zero. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  let s = Math.round(Math.abs(ms) / 1000);
  const parts: string[] = [];
  for (const [unit, len] of DURATION_UNITS) {
    const n = Math.floor(s / len);
    s -= n * len;
    if (n > 0 || parts.length) parts.push(`${n}${unit}`);
  }
  const two = parts.slice(0, 2).filter((p, i) => i === 0 || !/^0/.test(p));
  return two.join(' ') || '0s';
}

/** "5m ago" (or "in 5m" for a time still ahead); null → "-". */
export function ago(iso: string | null | undefined, now: number): string {
  if (!iso) return '-';
  const d = now - Date.parse(iso);
  if (!Number.isFinite(d)) return '-';
  return d >= 0 ? `${duration(d)} ago` : `in ${duration(-d)}`;
}

/** "in 5m" for a time ahead, "now" once it has passed; null → "-". */
export function fromNow(iso: string | null | undefined, now: number): string {
  if (!iso) return '-';
  const d = Date.parse(iso) - now;
  if (!Number.isFinite(d)) return '-';
  return d > 500 ? `in ${duration(d)}` : 'now';
}

/**
 * An absolute time in the local zone, the zone named: "2026-11-27 16:04:05 CET" (localWhen, the one form of
 * the daemon's sentences too). `zone` is for tests (and follows TZ otherwise); `seconds: false` drops them.
 */
export function clock(iso: string | null | undefined, o: { zone?: string; seconds?: boolean } = {}): string {
  if (!iso) return '-';
  if (Number.isNaN(new Date(iso).getTime())) return '-';
  return localWhen(iso, { seconds: o.seconds !== false, ...(o.zone ? { zone: o.zone } : {}) });
}

/** GPU-hours, always two decimals: 1.5 → "1.50". */
export const gpuHours = (h: number | null | undefined) =>
  h === null || h === undefined || !Number.isFinite(h) ? '-' : h.toFixed(2);

/** A percentage with one decimal: 12.345 → "12.3%". */
export const percent = (p: number | null | undefined) =>
  p === null || p === undefined || !Number.isFinite(p) ? '-' : `${p.toFixed(1)}%`;

/**
 * A GPU or MIG UUID shortened for a terminal: "MIG-447265cb-…" → "MIG-447265cb…". `wide` (or output to a
 * pipe) keeps it whole, so scripts and `--wide` see the real id.
 */
export function uuid(id: string, wide: boolean): string {
  if (wide) return id;
  const m = /^((?:MIG|GPU)-)?([0-9a-f]{8})[0-9a-f-]{4,}$/i.exec(id);
  return m ? `${m[1] ?? ''}${m[2]}…` : id;
}

// Small, pure wording helpers for lifecycle messages.

/** 95_000 → "1m35s"; rounded to whole seconds, at most two units ("2d3h", "1h5m", "25s"). */
export function humanDuration(ms: number): string {
  let s = Math.max(0, Math.round(ms / 1000));
  if (s === 0) return '0s';
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(s / size);
    if (n > 0) parts.push(`${n}${unit}`);
    s -= n * size;
  }
  return parts.slice(0, 2).join('');
}

export const limitText = (ms: number | null) => (ms === null ? 'none' : humanDuration(ms));

// Durations and sizes as admins write them in resource-limits.yaml. Durations come out in milliseconds,
// sizes in bytes; `null` passes through (unlimited / never) and 0 means "immediately" / zero.

export class UnitError extends Error {
  constructor(
    message: string,
    readonly expected: string,
  ) {
    super(message);
    this.name = 'UnitError';
  }
}

export type DurationUnit = 'd' | 'h' | 'm' | 's';

const MS_PER: Record<DurationUnit, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };
const UNIT_WORD: Record<DurationUnit, string> = { d: 'days', h: 'hours', m: 'minutes', s: 'seconds' };

export const DURATION_EXPECTED = 'a duration such as 30m, 2h30m, 1.5d or 90s, 0 for immediately, or null';
export const SIZE_EXPECTED = 'a size such as 512m, 32g or 1.5t (binary units), a number of bytes, or null';

const DURATION_PART = /(\d+(?:\.\d+)?|\.\d+)([a-zA-Z]+)/y;

/**
 * `48h`, `30m`, `2h30m`, `1.5d`, `0.25h`, `90s`; a plain number counts in `plainUnit` (the key's documented
 * unit). Throws UnitError with a message that can be shown to an admin as is.
 */
export function parseDuration(input: string | number | null, plainUnit: DurationUnit = 'h'): number | null {
  if (input === null) return null;
  if (typeof input === 'number')
    return fromNumber(input, MS_PER[plainUnit], `${input} ${UNIT_WORD[plainUnit]}`);
  const text = input.trim();
  if (text === '') throw new UnitError('empty duration', DURATION_EXPECTED);
  if (text.startsWith('-')) throw new UnitError(`duration "${input}" is negative`, DURATION_EXPECTED);
  if (/^\d+(\.\d+)?$/.test(text)) return parseDuration(Number(text), plainUnit);

  let total = 0;
  let at = 0;
  const seen = new Set<string>();
  DURATION_PART.lastIndex = 0;
  while (at < text.length) {
    DURATION_PART.lastIndex = at;
    const match = DURATION_PART.exec(text);
    if (!match) throw new UnitError(`"${input}" is not a duration`, DURATION_EXPECTED);
    const [, amount, unit] = match as unknown as [string, string, string];
    if (!(unit in MS_PER)) {
      throw new UnitError(
        `unknown duration unit "${unit}" in "${input}" (use d, h, m or s)`,
        DURATION_EXPECTED,
      );
    }
    if (seen.has(unit)) throw new UnitError(`unit "${unit}" appears twice in "${input}"`, DURATION_EXPECTED);
    seen.add(unit);
    total += Number(amount) * MS_PER[unit as DurationUnit];
    at = DURATION_PART.lastIndex;
  }
  return Math.round(total);
}

function fromNumber(value: number, factor: number, shown: string): number {
  if (!Number.isFinite(value)) throw new UnitError(`${shown} is not a finite number`, DURATION_EXPECTED);
  if (value < 0) throw new UnitError(`duration ${shown} is negative`, DURATION_EXPECTED);
  return Math.round(value * factor);
}

const SIZE = /^(\d+(?:\.\d+)?|\.\d+)\s*([kmgtp]?)(i?b)?$/i;
const SIZE_POWER: Record<string, number> = { '': 0, k: 1, m: 2, g: 3, t: 4, p: 5 };

/** `32g`, `512m`, `1.5g`, `64k`, `96G`, `1GiB`, or a plain number of bytes. Units are binary, as Docker's. */
export function parseSize(input: string | number | null): number | null {
  if (input === null) return null;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new UnitError(`${input} is not a finite size`, SIZE_EXPECTED);
    if (input < 0) throw new UnitError(`size ${input} is negative`, SIZE_EXPECTED);
    if (!Number.isInteger(input)) throw new UnitError(`${input} bytes is not a whole number`, SIZE_EXPECTED);
    return input;
  }
  const text = input.trim();
  if (text.startsWith('-')) throw new UnitError(`size "${input}" is negative`, SIZE_EXPECTED);
  const match = SIZE.exec(text);
  if (!match) throw new UnitError(`"${input}" is not a size`, SIZE_EXPECTED);
  const [, amount, prefix] = match as unknown as [string, string, string];
  return Math.round(Number(amount) * 1024 ** (SIZE_POWER[prefix.toLowerCase()] ?? 0));
}

/** The shortest exact spelling: 9000000 → "2h30m", 0 → "0", null → "never". */
export function formatDuration(ms: number | null, nullText = 'never'): string {
  if (ms === null) return nullText;
  if (ms === 0) return '0';
  let rest = ms;
  let out = '';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const n = Math.floor(rest / MS_PER[unit]);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * MS_PER[unit];
    }
  }
  return rest > 0 ? `${out}${rest}ms` : out;
}

/** 34359738368 → "32g"; sizes that are not a whole number of a unit fall back to the next smaller one. */
export function formatSize(bytes: number | null, nullText = 'unlimited'): string {
  if (bytes === null) return nullText;
  for (const [suffix, power] of [
    ['t', 4],
    ['g', 3],
    ['m', 2],
    ['k', 1],
  ] as const) {
    const unit = 1024 ** power;
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${suffix}`;
  }
  return `${bytes}`;
}

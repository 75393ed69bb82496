// `--format=csv` output of `--query-gpu` / `--query-compute-apps`: `, `-separated, no quoting, header
// optional (its names keep units even with nounits: `memory.used [MiB]`), values may carry units
// (`81920 MiB`, `0 %`) or be `[N/A]`, `[Not Supported]`, `[Requested functionality has been deprecated]`.
import { isMissingValue, NvidiaSmiParseError, splitLines } from './errors.js';

export interface CsvRow {
  /** Field name (as queried, units stripped from the header) → raw value, null when missing. */
  values: Record<string, string | null>;
  line: number;
  text: string;
}

/** Columns whose text may itself contain `, ` (process names); extra cells are joined back into them. */
const FREE_TEXT_FIELDS = ['process_name', 'name', 'gpu_name'];

/**
 * Parses CSV from nvidia-smi. `fields` are the queried names, required for noheader output. The first line
 * is taken as a header when it matches them (aliases allowed) or, without `fields`, always.
 */
export function parseSmiCsv(text: string, what: string, fields?: readonly string[]): CsvRow[] {
  const lines = splitLines(text);
  let names = fields?.map((f) => f.trim());
  let first = 0;
  const headerCells = lines[0]?.split(', ').map(stripUnit);
  if (headerCells && (!names || sameFields(headerCells, names))) {
    names = headerCells;
    first = 1;
  }
  if (!names) return [];
  const rows: CsvRow[] = [];
  for (let i = first; i < lines.length; i++) {
    const text = lines[i]!;
    if (text.trim() === '') continue;
    const cells = mergeFreeText(text.split(', '), names);
    if (cells.length !== names.length) {
      throw new NvidiaSmiParseError(
        what,
        i + 1,
        text,
        `expected ${names.length} values, found ${cells.length}`,
      );
    }
    const values: Record<string, string | null> = {};
    names.forEach((n, k) => {
      const v = cells[k]!.trim();
      values[n] = isMissingValue(v) ? null : v;
    });
    rows.push({ values, line: i + 1, text });
  }
  return rows;
}

function stripUnit(header: string): string {
  return header.replace(/\s*\[[^\]]*\]\s*$/, '').trim();
}

/** Header names are canonical; queried names may be aliases (name → process_name, used_memory → …). */
const ALIASES: Record<string, string> = {
  name: 'process_name',
  used_memory: 'used_gpu_memory',
  gpu_name: 'name',
};

function sameFields(header: string[], queried: string[]): boolean {
  return (
    header.length === queried.length && header.every((h, i) => h === queried[i] || h === ALIASES[queried[i]!])
  );
}

function mergeFreeText(cells: string[], names: string[]): string[] {
  const extra = cells.length - names.length;
  if (extra <= 0) return cells;
  const at = names.findIndex((n) => FREE_TEXT_FIELDS.includes(n));
  if (at < 0) return cells;
  return [...cells.slice(0, at), cells.slice(at, at + extra + 1).join(', '), ...cells.slice(at + extra + 1)];
}

/** A number with an optional unit (`81920 MiB`, `45 %`, `60.50 W`); null when missing. */
export function csvNumber(row: CsvRow, field: string, what: string): number | null {
  const raw = row.values[field];
  if (raw === undefined || raw === null) return null;
  const m = /^(-?\d+(?:\.\d+)?)(?:\s*[A-Za-z%/]+)?$/.exec(raw);
  if (!m) throw new NvidiaSmiParseError(what, row.line, row.text, `${field} is not a number: ${raw}`);
  return Number(m[1]);
}

export function csvString(row: CsvRow, field: string): string | null {
  return row.values[field] ?? null;
}

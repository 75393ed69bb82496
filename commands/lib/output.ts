// Output conventions: data on stdout (a table, or --json), messages on stderr; colour only on a TTY
// and never with NO_COLOR.
import pc from 'picocolors';
import { fdIsTTY, fdWriter } from './fd-output.js';
import { uuid } from './units.js';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
  color: boolean;
  columns: number;
  /** `--wide`: tables and ids in full even on a terminal. */
  wide?: boolean;
}

/**
 * The process's own stdout and stderr. Written through their fds (fd-output.ts): process.stdout is made
 * only on a terminal, and only when something asks its width.
 */
export function processIo(): Io {
  const isTTY = fdIsTTY(1);
  return {
    out: fdWriter(1, () => process.stdout),
    err: fdWriter(2, () => process.stderr),
    isTTY,
    color: isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb',
    get columns() {
      return (isTTY && process.stdout.columns) || 80;
    },
  };
}

export function paint(io: Io) {
  const on = io.color;
  return {
    bold: (s: string) => (on ? pc.bold(s) : s),
    dim: (s: string) => (on ? pc.dim(s) : s),
    red: (s: string) => (on ? pc.red(s) : s),
    green: (s: string) => (on ? pc.green(s) : s),
    yellow: (s: string) => (on ? pc.yellow(s) : s),
    cyan: (s: string) => (on ? pc.cyan(s) : s),
  };
}

export function printJson(io: Io, data: unknown) {
  io.out(`${JSON.stringify(data, null, 2)}\n`);
}

const ANSI = /\x1b\[[0-9;]*m/g;
const width = (s: string) => s.replace(ANSI, '').length;

/** Whether to cut to the terminal: only on a terminal, and not with --wide (pipes get everything). */
export const fits = (io: Pick<Io, 'isTTY' | 'wide'>) => io.isTTY && !io.wide;

/** A GPU/MIG UUID as this output wants it: short on a terminal, whole with --wide or in a pipe. */
export const idFor = (io: Pick<Io, 'isTTY' | 'wide'>, id: string) => uuid(id, !fits(io));

/**
 * A line of prose for a terminal: wrapped at spaces to its width, continuation lines indented by `indent`
 * (a pipe or --wide gets it as one line). Ends with a newline.
 */
export function prose(io: Pick<Io, 'isTTY' | 'wide' | 'columns'>, line: string, indent = '  '): string {
  if (!fits(io) || width(line) <= io.columns) return `${line}\n`;
  const out: string[] = [];
  let cur = '';
  for (const word of line.split(/(?<=\S) (?=\S)/)) {
    const next = cur ? `${cur} ${word}` : word;
    if (cur && width(next) > io.columns) {
      out.push(cur);
      cur = `${indent}${word.trimStart()}`;
    } else cur = next;
  }
  out.push(cur);
  // A single word longer than the line (a path) is cut rather than wrapped mid-word by the terminal.
  return `${out.map((l) => (width(l) > io.columns ? `${l.slice(0, io.columns - 1)}…` : l)).join('\n')}\n`;
}

/**
 * A plain aligned table (no box drawing: it must paste into an email). On a terminal it fits its width
 * (`--wide` turns that off, a pipe never cuts): the last column (free text such as a reason) gives way
 * first, then the widest; a cut cell ends in "…".
 */
export function table(
  headers: string[],
  rows: string[][],
  io: Pick<Io, 'isTTY' | 'wide' | 'columns'>,
): string {
  const maxWidth = fits(io) ? io.columns : Number.POSITIVE_INFINITY;
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  const last = widths.length - 1;
  while (total() > maxWidth) {
    const i = (widths[last] ?? 0) > 24 ? last : widths.indexOf(Math.max(...widths));
    if ((widths[i] ?? 0) <= 3) break;
    widths[i] = (widths[i] ?? 0) - 1;
  }
  const cell = (s: string, w: number) => {
    const plain = s.replace(ANSI, '');
    if (plain.length > w) return `${plain.slice(0, Math.max(0, w - 1))}…`;
    return s + ' '.repeat(w - plain.length);
  };
  const line = (r: string[]) =>
    r
      .map((c, i) => cell(c, widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

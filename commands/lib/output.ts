// Output conventions: data on stdout (a table, or --json), messages on stderr; colour only on a TTY
// and never with NO_COLOR.
import pc from 'picocolors';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
  color: boolean;
  columns: number;
}

export function processIo(): Io {
  const isTTY = Boolean(process.stdout.isTTY);
  return {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    isTTY,
    color: isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb',
    columns: process.stdout.columns || 80,
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

/** A plain aligned table (no box drawing: it must paste into an email and fit 80 columns). */
export function table(headers: string[], rows: string[][], maxWidth = 80): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  // Too wide: the last column (free text such as a reason) gives way first, then the widest.
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  const last = widths.length - 1;
  while (total() > maxWidth) {
    const i = (widths[last] ?? 0) > 24 ? last : widths.indexOf(Math.max(...widths));
    if ((widths[i] ?? 0) <= 8) break;
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

export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return '-';
  return `${duration(now - Date.parse(iso))} ago`;
}

export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  return `${Math.floor(h / 24)}d${h % 24 ? `${h % 24}h` : ''}`;
}

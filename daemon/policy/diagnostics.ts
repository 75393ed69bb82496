// Formatting and helpers for policy diagnostics. The same text goes to the daemon log on a refused reload and to
// `ds01 config check`, so an admin sees one message wherever they look.

import type { Diagnostic } from './types.js';

/** `file:line:col: error: path: message (expected …) — hint`, one line per diagnostic. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.path === '' ? '' : `${d.path}: `;
  const expected = d.expected ? ` (expected ${d.expected})` : '';
  const hint = d.hint ? ` — ${d.hint}` : '';
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${where}${d.message}${expected}${hint}`;
}

export function formatDiagnostics(diags: readonly Diagnostic[]): string {
  return sortDiagnostics(diags).map(formatDiagnostic).join('\n');
}

/** File order, so the output reads top to bottom like the YAML. */
export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  return [...diags].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The closest candidate within a third of the word's length (at least 2 edits), if any. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

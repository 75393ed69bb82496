/** nvidia-smi printed something we do not understand. Carries the 1-based line and its text. */
export class NvidiaSmiParseError extends Error {
  override readonly name = 'NvidiaSmiParseError';
  constructor(
    readonly what: string,
    readonly line: number,
    readonly lineText: string,
    readonly reason: string,
  ) {
    super(`${what}: line ${line}: ${reason}: ${JSON.stringify(lineText)}`);
  }
}

/** Splits output into lines, tolerating CRLF (Windows captures) and a missing final newline. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * Values nvidia-smi prints when a reading does not exist or could not be taken: `[N/A]`, `[Not Supported]`,
 * `N/A`, `[GPU requires reset]`, `ERR!` (the health check reads those from `-q -x`, not here).
 */
export function isMissingValue(value: string): boolean {
  return /^\[.*\]$/.test(value) || value === 'N/A' || value === '' || value === 'ERR!';
}

// The daemon's sentences (reasons, notices, container-why) name absolute times in one form, with the zone:
// `2026-11-29 15:20 UTC`. The daemon runs in no user's zone, so it says UTC; the CLI renders the structured
// ISO fields in the reader's local zone (commands/lib/units.ts).

/** An absolute time for a sentence: `2026-11-29 15:20 UTC` (minutes; `seconds` adds them). */
export function utcWhen(t: number | string | Date, opts: { seconds?: boolean } = {}): string {
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return `${d
    .toISOString()
    .slice(0, opts.seconds ? 19 : 16)
    .replace('T', ' ')} UTC`;
}

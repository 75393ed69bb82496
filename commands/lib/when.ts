// Times and lengths as people type them: "tomorrow 09:00", "fri 14:00", "in 2 hours", an ISO time (parsed
// by chrono-node in the user's own zone, forward: "monday" is the next one); lengths "4h", "90m", "2h30m".
import { UsageError } from './prompts.js';

/** chrono-node is loaded only by the commands that read a time (CLI start-up stays quick). */
export async function parseWhen(text: string, now: Date, flag: string): Promise<Date> {
  const t = text.trim();
  if (/^now$/i.test(t)) return now;
  const chrono = await import('chrono-node');
  const d = chrono.parseDate(t, now, { forwardDate: true });
  if (!d || Number.isNaN(d.getTime()))
    throw new UsageError(
      `${flag}: cannot read "${text}" as a time; try "tomorrow 09:00", "fri 14:00", "in 2h" or 2026-12-01T09:00`,
    );
  return d;
}

const LENGTH = /^(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/;

/** "4h" → 14 400 000 ms; "2h30m", "90m", "1.5h", "1d", "45s". */
export function parseLength(text: string, flag: string): number {
  const m = LENGTH.exec(text.trim().toLowerCase());
  const [, d, h, min, s] = m ?? [];
  const ms =
    Number(d ?? 0) * 86_400_000 +
    Number(h ?? 0) * 3_600_000 +
    Number(min ?? 0) * 60_000 +
    Number(s ?? 0) * 1000;
  if (!m || !(ms > 0)) throw new UsageError(`${flag}: "${text}" is not a length; try 4h, 90m or 2h30m`);
  return Math.round(ms);
}

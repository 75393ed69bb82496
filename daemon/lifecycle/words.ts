// Small, pure wording helpers for lifecycle messages.
import { localWhen } from '../common/when.js';

/** 95_000 → "1m 35s"; rounded to whole seconds, at most two units ("2d 3h", "1h 5m", "25s"), as the CLI writes them. */
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
  return parts.slice(0, 2).join(' ');
}

export const limitText = (ms: number | null) => (ms === null ? 'none' : humanDuration(ms));

/** Where a notice's time-to-deadline goes: stored as this token, rendered when the notice is read. */
export const DEADLINE_TOKEN = '{in}';

/**
 * A warning's text for storage: its relative time ("in 6m49s", true only when it was written) becomes
 * the token, so a notice read an hour later says when the deadline is from THEN (`renderNotice`).
 */
export function storableWarning(message: string): string {
  return message.replace(/ in (?:\d+[dhms])+(?=[:.,; ]|$)/, ` ${DEADLINE_TOKEN}`);
}

/** The token rendered against `now`: "in 5m", or for a passed deadline "at 2026-…Z (1h2m ago)". */
export function renderNotice(message: string, deadlineAt: number | null, now: number): string {
  if (!message.includes(DEADLINE_TOKEN)) return message;
  if (deadlineAt === null) return message.replace(DEADLINE_TOKEN, 'soon');
  const left = deadlineAt - now;
  const when =
    left > 0 ? `in ${humanDuration(left)}` : `at ${localWhen(deadlineAt)} (${humanDuration(-left)} ago)`;
  return message.replace(DEADLINE_TOKEN, when);
}

// Unread notices ride on a command's own answer (issue 17: one request per command). The CLI asks with
// a request header on its first request; ds01d answers, for the calling uid only, with that user's unread
// notices in a response header (marked shown), whatever the route and whether it succeeds. Pure and
// zod-free: the CLI bundle decodes it on every command's start-up.
import type { Notice } from './lifecycle.js';

/** Request header: "send my unread notices with this answer" (value NOTICES_WANTED). */
export const NOTICES_REQUEST_HEADER = 'x-ds01-want-notices';
export const NOTICES_WANTED = 'unread';
/** Response header: base64 of the JSON array of Notice (absent when there are none). */
export const NOTICES_HEADER = 'x-ds01-notices';

/** The header value's upper bound; notices past it stay unread for the next command. */
export const MAX_NOTICES_HEADER_BYTES = 16 * 1024;

const encode = (notices: readonly Notice[]) =>
  Buffer.from(JSON.stringify(notices), 'utf8').toString('base64');

/**
 * The oldest-first prefix of `notices` whose header fits `maxBytes`, and that header's value (null when
 * none fits or there are none). Only the ones returned are marked shown.
 */
export function fitNotices(
  notices: readonly Notice[],
  maxBytes = MAX_NOTICES_HEADER_BYTES,
): { fitted: Notice[]; value: string | null } {
  let fitted: Notice[] = [];
  let value: string | null = null;
  for (let n = 1; n <= notices.length; n++) {
    const next = encode(notices.slice(0, n));
    if (next.length > maxBytes) break;
    fitted = notices.slice(0, n);
    value = next;
  }
  return { fitted, value };
}

/**
 * The notices an answer carried; [] for a missing or unreadable header (an older ds01d, a proxy): a
 * command never fails over its notices.
 */
export function readNoticesHeader(value: string | undefined): Notice[] {
  if (!value) return [];
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
    return Array.isArray(parsed)
      ? parsed.filter((n): n is Notice => typeof (n as Notice | null)?.message === 'string')
      : [];
  } catch {
    return [];
  }
}

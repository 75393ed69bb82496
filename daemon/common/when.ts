// THE way ds01 writes an absolute time for people, in the daemon's sentences (reasons, notices, e-mails,
// container-why) and in the CLI's tables alike: the server's local time zone, with the zone named —
// `2026-11-29 16:20 CET`. ds01d's zone is the server's (TZ, else /etc/localtime), and users run the CLI on
// that server, so a sentence and a table agree. --json carries ISO 8601 in UTC; only people read this.

const FORMATS = new Map<string, Intl.DateTimeFormat>();

function format(zone: string | undefined): Intl.DateTimeFormat {
  // Keyed by the process zone too: a TZ change (tests) must not reuse a formatter made for the old one.
  const key = `${zone ?? ''}|${process.env.TZ ?? ''}`;
  let f = FORMATS.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      ...(zone ? { timeZone: zone } : {}),
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    FORMATS.set(key, f);
  }
  return f;
}

/**
 * An absolute time for people: `2026-11-29 16:20 CET` in the local zone (minutes; `seconds` adds them;
 * `zone` an IANA zone instead of the local one). Not a time: the input as text.
 */
export function localWhen(
  t: number | string | Date,
  opts: { seconds?: boolean; zone?: string } = {},
): string {
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  const p = Object.fromEntries(
    format(opts.zone)
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  );
  const hm = `${p.hour}:${p.minute}${opts.seconds ? `:${p.second}` : ''}`;
  return `${p.year}-${p.month}-${p.day} ${hm} ${p.timeZoneName}`;
}

/** @deprecated The old name (it said UTC); it now follows the one rule. Use `localWhen`. */
export const utcWhen = localWhen;

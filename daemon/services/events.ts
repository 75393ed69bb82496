// Reading and following the audit log, with the visibility rule applied.
import type { AuditEvent } from '../api/types/events.js';
import { badRequest, notFound } from '../errors.js';
import type { Caller } from '../identity/caller.js';
import type { AccountLookup } from '../identity/nss.js';
import type { EventFilter, EventsRepo } from '../store/events.js';

export interface EventsQueryInput {
  user?: string;
  container?: string;
  kind?: string;
  since?: string;
  until?: string;
  limit?: number;
}

function parseTime(s: string | undefined, name: string, now: number): number | undefined {
  if (s === undefined || s === '') return undefined;
  // Relative: 30m, 2h, 7d ago.
  const rel = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(s);
  if (rel) {
    const mult = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[rel[2] as 's' | 'm' | 'h' | 'd'];
    return now - Number(rel[1]) * mult;
  }
  const t = Date.parse(s);
  if (Number.isNaN(t))
    throw badRequest(`${name} must be an ISO time or a duration like 30m, 2h, 7d (got ${s})`);
  return t;
}

export class EventsService {
  constructor(
    private readonly repo: EventsRepo,
    private readonly accounts: AccountLookup,
    private readonly now: () => number,
  ) {}

  private async filterFor(caller: Caller, q: EventsQueryInput): Promise<EventFilter> {
    const f: EventFilter = {
      container: q.container,
      kind: q.kind,
      sinceTs: parseTime(q.since, 'since', this.now()),
      untilTs: parseTime(q.until, 'until', this.now()),
      limit: q.limit,
    };
    if (!caller.admin) {
      f.visibleToUid = caller.uid;
      // A refused admin-route probe was answered at the time; in a student's log it is only noise.
      f.hideNoise = !q.kind?.startsWith('access.');
    }
    if (q.user) {
      const acct = /^\d+$/.test(q.user)
        ? await this.accounts.byUid(Number(q.user))
        : await this.accounts.byName(q.user);
      if (!acct) throw notFound(`user "${q.user}"`, 'check the name with `getent passwd NAME`');
      f.subjectUid = acct.uid;
    }
    return f;
  }

  /** A doorbell for every new event, whoever's: it carries nothing, so it leaks nothing. */
  onAny(listener: () => void): () => void {
    return this.repo.subscribe(() => listener());
  }

  async list(caller: Caller, q: EventsQueryInput): Promise<AuditEvent[]> {
    return this.repo.query(await this.filterFor(caller, q));
  }

  /** The backlog matching the query, then every new matching event until the signal aborts. */
  async *follow(caller: Caller, q: EventsQueryInput, signal: AbortSignal): AsyncGenerator<AuditEvent> {
    const f = await this.filterFor(caller, q);
    let dirty = false;
    let wake: (() => void) | null = null;
    // The subscription is only a doorbell: new events are re-read through the same filter, so one
    // piece of code applies the visibility rule.
    const unsubscribe = this.repo.subscribe(() => {
      dirty = true;
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      let lastId = 0;
      for (const e of this.repo.query(f)) {
        lastId = e.id;
        yield e;
      }
      lastId = Math.max(lastId, this.repo.lastId());
      while (!signal.aborted) {
        if (!dirty) {
          await new Promise<void>((r) => {
            wake = r;
          });
          wake = null;
          continue;
        }
        dirty = false;
        for (const e of this.repo.query({ ...f, afterId: lastId, sinceTs: undefined, limit: 10_000 })) {
          lastId = e.id;
          yield e;
        }
      }
    } finally {
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
    }
  }
}

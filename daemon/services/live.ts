// The web page's live feed (Server-Sent Events): the caller's own events as they are written (the same
// visibility rule as `ds01 events --follow`), a content-free `change` whenever anything happens (so a
// student's map shows a slot another user just took, without learning what it was), and a `refresh`
// every `refreshMs` for what changes without an event (utilisation, temperature). The page re-reads the
// API on each; it never polls.
import type { Caller } from '../identity/caller.js';
import type { EventsService } from './events.js';

/** One Server-Sent Event (the API server writes `{ sse }` replies of these). */
export interface LiveMessage {
  event: 'hello' | 'event' | 'change' | 'refresh';
  data?: unknown;
}

export interface LiveOptions {
  refreshMs: number;
  /** At most one `change` per this many ms: a deploy writes several events in a burst. */
  coalesceMs: number;
}

export class LiveService {
  constructor(
    private readonly events: Pick<EventsService, 'follow' | 'onAny'>,
    private readonly opts: LiveOptions,
  ) {}

  async *stream(caller: Caller, signal: AbortSignal): AsyncGenerator<LiveMessage> {
    const pending: LiveMessage[] = [];
    let wake: (() => void) | null = null;
    const push = (m: LiveMessage) => {
      pending.push(m);
      wake?.();
    };
    let changeTimer: NodeJS.Timeout | null = null;
    const off = this.events.onAny(() => {
      changeTimer ??= setTimeout(() => {
        changeTimer = null;
        push({ event: 'change' });
      }, this.opts.coalesceMs);
    });
    const refresh = setInterval(() => push({ event: 'refresh' }), this.opts.refreshMs);
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    // Events from now on (since 0s ago): the page reads the recent backlog through /v1/events.
    const pump = (async () => {
      for await (const e of this.events.follow(caller, { since: '0s' }, signal))
        push({ event: 'event', data: e });
    })().catch(() => undefined);
    try {
      yield { event: 'hello', data: { user: caller.name, admin: caller.admin } };
      while (!signal.aborted) {
        const next = pending.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((r) => {
          wake = r;
        });
        wake = null;
      }
    } finally {
      off();
      clearInterval(refresh);
      if (changeTimer) clearTimeout(changeTimer);
      signal.removeEventListener('abort', onAbort);
      await pump;
    }
  }
}

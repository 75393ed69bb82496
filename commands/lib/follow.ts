// Follow modes (`events -f`, `container-logs -f`, `container-stats --watch`) run until Ctrl-C, like
// `docker logs -f`: when the daemon restarts, the stream is reopened with a notice on stderr instead of
// ending the command.
import { isConnectionLost } from './client.js';

export interface FollowOpts {
  signal?: AbortSignal;
  /** A line for stderr (the notices about losing and regaining the daemon). */
  notice: (s: string) => void;
  /** Reopen when the daemon ends the stream cleanly, too (the events feed never ends by itself). */
  reopenOnEnd?: boolean;
  /** Milliseconds between attempts while the daemon is away (tests shorten it). */
  retryMs?: number;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * `open(n)` connects (resolving once the daemon has answered); n counts the reconnections (0 = first), so
 * a caller can resume where it was.
 */
export async function* following<T>(
  open: (n: number) => Promise<AsyncIterable<T>>,
  o: FollowOpts,
): AsyncGenerator<T> {
  let reconnects = 0;
  let lost = false;
  for (;;) {
    try {
      const items = await open(reconnects);
      if (lost) {
        o.notice('ds01: reconnected to the daemon\n');
        lost = false;
      }
      for await (const item of items) yield item;
      if (o.signal?.aborted || !o.reopenOnEnd) return;
    } catch (err) {
      if (o.signal?.aborted) return;
      if (!isConnectionLost(err)) throw err;
    }
    if (!lost) {
      o.notice('ds01: lost the connection to the daemon (restarting?); reconnecting… (Ctrl-C to stop)\n');
      lost = true;
    }
    await sleep(o.retryMs ?? 1000, o.signal);
    if (o.signal?.aborted) return;
    reconnects++;
  }
}

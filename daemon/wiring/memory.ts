// Gives back what a burst of requests left in malloc's arenas once the daemon is quiet again
// (memory/trim.ts decides; issue 17: RSS after the 50-client load). One unref'd timer, a cheap check.
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log.js';
import { shouldTrim } from '../memory/trim.js';
import { mallocTrim } from '../native/libc.js';

const CHECK_EVERY_MS = 1000;

export function startMemoryTrim(log: Logger): () => void {
  let elu = performance.eventLoopUtilization();
  let floor = process.memoryUsage.rss();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const utilization = performance.eventLoopUtilization(now, elu).utilization;
    elu = now;
    const rss = process.memoryUsage.rss();
    floor = Math.min(floor, rss);
    if (!shouldTrim({ rss, floor, utilization })) return;
    const t0 = performance.now();
    mallocTrim();
    const after = process.memoryUsage.rss();
    floor = after;
    log.debug('malloc_trim', {
      beforeMiB: Math.round(rss / 2 ** 20),
      afterMiB: Math.round(after / 2 ** 20),
      ms: Math.round(performance.now() - t0),
    });
  }, CHECK_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

// When to hand freed malloc memory back to the kernel (PURE). After a burst of requests glibc keeps the
// freed chunks of per-connection buffers, request bodies and large answers in its arenas for reuse: resident
// but unused. malloc_trim(0) returns them; it walks the arenas (a few ms), so it runs only once the event
// loop is quiet again and only when the process has grown enough since the last trim to be worth it.

export interface TrimInput {
  /** Resident memory now (bytes). */
  rss: number;
  /** The lowest resident memory seen since the last trim (bytes): what the process needs. */
  floor: number;
  /** Event-loop utilisation over the last interval, 0–1. */
  utilization: number;
}

/** Growth over the floor worth a trim. */
export const TRIM_GROWTH_BYTES = 8 * 2 ** 20;
/** Below this the loop is quiet: the burst is over (a 50-client load keeps it near 1). */
export const QUIET_UTILIZATION = 0.2;

export function shouldTrim(i: TrimInput): boolean {
  return i.utilization < QUIET_UTILIZATION && i.rss - i.floor >= TRIM_GROWTH_BYTES;
}

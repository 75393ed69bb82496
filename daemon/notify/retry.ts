// PURE: when a failed delivery is tried again. Exponential back-off from `baseMs`, capped at an hour, with
// up to a fifth of jitter so many failures after one outage do not retry in lock-step.
export function retryDelay(attempt: number, baseMs: number, random: number): number {
  const plain = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 3_600_000);
  return Math.round(plain * (1 + 0.2 * random));
}

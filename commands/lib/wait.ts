// The one wording of a wait estimate, for gpu-queue, gpu-avail and the dashboard: they show the daemon's
// single estimate (daemon/gpu/wait-estimate.ts) the same way, relative to the moment they draw.
import type { WaitEstimateView } from '../../daemon/api/types/index.js';
import { duration } from './units.js';

export function describeWait(w: WaitEstimateView | null | undefined, now = Date.now()): string {
  if (!w) return '';
  if (w.kind === 'now') return 'now';
  if (w.kind === 'at' && w.at) {
    const left = Date.parse(w.at) - now;
    if (left <= 0) return 'now';
    return `~${duration(left)}${w.why === 'max_runtime' ? ' (max_runtime)' : ''}`;
  }
  return `unknown: ${w.why ?? 'no deadline'}`;
}

// A queued request as stored: the deploy request as sent and its GPU shape (pure helpers of the GPU queue).
import type { GpuQueueRequest } from '../api/types/gpus.js';
import { bookingTerms } from '../booking/windows.js';

interface GpuShape {
  count: number;
  profile?: string | null;
  wholeGpu?: boolean;
}

export function normalise(g: GpuShape): GpuQueueRequest {
  return { count: g.count, profile: g.profile ?? null, wholeGpu: g.wholeGpu ?? false };
}

/** The stored request; `terms` are the deploy's booking terms (`--booking`, `--accept-deadline`). */
export function parseRequest(r: { request_json: string }): {
  deploy: unknown;
  gpu: GpuQueueRequest;
  terms: ReturnType<typeof bookingTerms>;
} {
  try {
    const v = JSON.parse(r.request_json) as { deploy?: unknown; gpu?: GpuQueueRequest };
    const deploy = v.deploy ?? null;
    return { deploy, gpu: v.gpu ?? { count: 1 }, terms: bookingTerms(deploy) };
  } catch {
    return { deploy: null, gpu: { count: 1 }, terms: bookingTerms(null) };
  }
}

export function describe(g: GpuShape): string {
  const what = g.wholeGpu ? 'whole GPU' : g.profile ? `${g.profile} slot` : 'GPU slot';
  return `${g.count} ${what}${g.count === 1 ? '' : 's'}`;
}

// Client calls for /v1/gpus and /v1/queue.
import type {
  GpuAvailabilityReport,
  GpuDrainRequest,
  GpuDrainResult,
  GpuList,
  GpuReleaseResult,
  GpuTestRequest,
  GpuTestResult,
  QueueEntryView,
} from '../../daemon/api/types/index.js';
import type { Client } from './client.js';

const seg = (s: string) => encodeURIComponent(s);

export const listGpus = (c: Client) => c.request<GpuList>('/gpus');
export const gpuAvailability = (c: Client) => c.request<GpuAvailabilityReport>('/gpus/available');
export const refreshGpus = (c: Client) => c.request<GpuList>('/gpus/refresh', { method: 'POST' });
export const drainGpu = (c: Client, ref: string, reason: string, drain: boolean) =>
  c.request<GpuDrainResult>(`/gpus/${seg(ref)}/${drain ? 'drain' : 'undrain'}`, {
    body: { reason } satisfies GpuDrainRequest,
  });
export const releaseSlot = (c: Client, slot: string, reason: string) =>
  c.request<GpuReleaseResult>(`/gpus/${seg(slot)}/release`, { body: { reason } satisfies GpuDrainRequest });

/** A test runs up to its own timeout (default 120 s) plus the container's start and removal. */
export const testGpu = (c: Client, slot: string, body: GpuTestRequest) =>
  c.request<GpuTestResult>(`/gpus/${seg(slot)}/test`, {
    body,
    timeoutMs: ((body.timeoutSec ?? 120) + 60) * 1000,
  });

export const listQueue = (c: Client) => c.request<QueueEntryView[]>('/queue');
export const leaveQueue = (c: Client, id: string, reason?: string) =>
  c.request<QueueEntryView>(`/queue/${seg(id)}`, { method: 'DELETE', query: { reason } });

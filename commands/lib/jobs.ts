// Client calls for /v1/jobs.
import type {
  JobLogChunk,
  JobSubmitRequest,
  JobSubmitResult,
  JobView,
  JobWaitResult,
} from '../../daemon/api/types/index.js';
import type { Client } from './client.js';

const seg = (s: string) => encodeURIComponent(s);

export const submitJob = (c: Client, body: JobSubmitRequest) =>
  c.request<JobSubmitResult>('/jobs', { body, timeoutMs: 300_000 });
export const listJobs = (c: Client, all: boolean) => c.request<JobView[]>('/jobs', { query: { all } });
export const getJob = (c: Client, id: string) => c.request<JobView>(`/jobs/${seg(id)}`);
export const cancelJob = (c: Client, id: string, reason?: string) =>
  c.request<JobView>(`/jobs/${seg(id)}/cancel`, { body: reason ? { reason } : {} });
export const waitJob = (c: Client, id: string, timeoutSec: number, signal?: AbortSignal) =>
  c.request<JobWaitResult>(`/jobs/${seg(id)}/wait`, {
    query: { timeout: timeoutSec },
    ...(signal ? { signal } : {}),
  });
/** The next piece of a local job's log, read by ds01d as the job's owner (`admin`: another's, audited). */
export const localJobLog = (c: Client, id: number, offset: number, admin: boolean) =>
  c.request<JobLogChunk>(`/jobs/${id}/log`, {
    query: { offset, ...(admin ? { admin: '1' } : {}) },
    timeoutMs: 30_000,
  });

// Client calls for /v1/cluster and /v1/slurm (a Slurm cluster, docs/cluster.md).
import type {
  ClusterCheckResult,
  JobLogChunk,
  JobView,
  JobWaitResult,
  NodeProbeView,
  RenderSlurmRequest,
  RenderSlurmResult,
} from '../../daemon/api/types/index.js';
import type { Client } from './client.js';

export const probeNode = (c: Client) => c.request<NodeProbeView>('/cluster/probe');
export const renderSlurm = (c: Client, body: RenderSlurmRequest) =>
  c.request<RenderSlurmResult>('/cluster/render-slurm', { body });
export const checkCluster = (c: Client) =>
  c.request<ClusterCheckResult>('/cluster/check', { timeoutMs: 60_000 });
export const slurmProlog = (c: Client, sid: string) =>
  c.request<{ job: JobView | null; note: string | null }>(`/slurm/jobs/${encodeURIComponent(sid)}/prolog`, {
    method: 'POST',
    timeoutMs: 300_000,
  });
export const slurmEpilog = (c: Client, sid: string) =>
  c.request<{ job: JobView | null }>(`/slurm/jobs/${encodeURIComponent(sid)}/epilog`, {
    method: 'POST',
    timeoutMs: 120_000,
  });
export const waitSlurmJob = (c: Client, sid: string, timeoutSec: number, signal?: AbortSignal) =>
  c.request<JobWaitResult>(`/slurm/jobs/${encodeURIComponent(sid)}/wait`, {
    query: { timeout: timeoutSec },
    ...(signal ? { signal } : {}),
  });
/** The next piece of a Slurm job's log, read by the node that ran it (as the caller; `admin`: audited). */
export const slurmJobLog = (c: Client, sid: number, offset: number, admin: boolean) =>
  c.request<JobLogChunk>(`/slurm/jobs/${sid}/log`, {
    query: { offset, ...(admin ? { admin: '1' } : {}) },
    timeoutMs: 30_000,
  });

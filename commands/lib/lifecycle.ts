import type {
  ContainerWhy,
  ExtendRequest,
  ExtendResult,
  Notice,
  SweepReport,
  SweepRequest,
} from '../../daemon/api/types/index.js';
import type { Client } from './client.js';

const ref = (name: string) => encodeURIComponent(name);

export const containerWhy = (c: Client, name: string) =>
  c.request<ContainerWhy>(`/containers/${ref(name)}/why`);
export const extendContainer = (c: Client, name: string, duration?: string) =>
  c.request<ExtendResult>(`/containers/${ref(name)}/extend`, {
    method: 'POST',
    body: (duration ? { duration } : {}) satisfies ExtendRequest,
  });
export const listNotices = (c: Client, q: { all?: boolean; mark?: boolean }, timeoutMs?: number) =>
  c.request<Notice[]>('/notices', {
    query: { all: q.all ? 1 : undefined, mark: q.mark ? 1 : undefined },
    timeoutMs,
  });
export const runSweep = (c: Client, dryRun: boolean) =>
  c.request<SweepReport>('/admin/sweep', {
    method: 'POST',
    body: { dryRun } satisfies SweepRequest,
    timeoutMs: 120_000,
  });

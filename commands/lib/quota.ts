import type { QuotaReport } from '../../daemon/api/types/quota.js';
import type { Client } from './client.js';

export const quota = (c: Client, q: { user?: string; all?: boolean; refresh?: boolean }) =>
  c.request<QuotaReport[]>('/quota', {
    query: {
      ...(q.user !== undefined ? { user: q.user } : {}),
      ...(q.all ? { all: '1' } : {}),
      ...(q.refresh ? { refresh: '1' } : {}),
    },
  });

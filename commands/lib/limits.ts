import type { LimitsReport } from '../../daemon/api/types/index.js';
import type { Client } from './client.js';

export const myLimits = (c: Client) => c.request<LimitsReport>('/limits/me');
export const userLimits = (c: Client, user: string) =>
  c.request<LimitsReport>(`/limits/${encodeURIComponent(user)}`);
export const explainUser = (c: Client, user: string) =>
  c.request<{ text: string }>(`/admin/policy/explain/${encodeURIComponent(user)}`);

// Client calls for the dashboard, usage and the admin routes.
import type {
  AdminRetireRequest,
  AdminStopRequest,
  AuditEvent,
  ContainerSummary,
  DashboardData,
  DoctorReport,
  EventQuery,
  MonthReport,
  UsageReport,
  UserReportRow,
} from '../../daemon/api/types/index.js';
import type { Client } from './client.js';

const seg = (s: string) => encodeURIComponent(s);

export const dashboard = (c: Client) => c.request<DashboardData>('/dashboard');
export const usage = (c: Client, q: { from?: string; to?: string; by?: string }) =>
  c.request<UsageReport>('/usage', { query: q });

export const monthReport = (c: Client, month: string) =>
  c.request<MonthReport>('/admin/report', { query: { month } });

export const adminContainers = (c: Client) => c.request<ContainerSummary[]>('/admin/containers');
export const adminStop = (c: Client, ref: string, body: AdminStopRequest) =>
  c.request<ContainerSummary>(`/admin/containers/${seg(ref)}/stop`, { body, timeoutMs: 120_000 });
export const adminRetire = (c: Client, ref: string, body: AdminRetireRequest) =>
  c.request<unknown>(`/admin/containers/${seg(ref)}/retire`, { body, timeoutMs: 120_000 });
export const adminUsers = (c: Client, inactive?: string) =>
  c.request<UserReportRow[]>('/admin/users', {
    query: { inactive },
    // --inactive measures workspaces with du: allow it time on a big server.
    ...(inactive ? { timeoutMs: 600_000 } : {}),
  });
export const doctor = (c: Client) => c.request<DoctorReport>('/admin/doctor', { timeoutMs: 60_000 });

type Q = Omit<EventQuery, 'follow'>;
export const adminEvents = (c: Client, q: Q) => c.request<AuditEvent[]>('/admin/events', { query: { ...q } });

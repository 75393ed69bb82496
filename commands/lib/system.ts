import type {
  AuditEvent,
  ContainerListing,
  ContainerSummary,
  EventQuery,
  PolicyCheck,
  PolicyCheckRequest,
  SystemStatus,
  WhoAmI,
} from '../../daemon/api/types/index.js';
import type { Client } from './client.js';

export type { PolicyCheck };

export const whoami = (c: Client) => c.request<WhoAmI>('/system/whoami');
export const systemInfo = (c: Client) => c.request<SystemStatus>('/system/info');

type Q = Omit<EventQuery, 'follow'>;
export const listEvents = (c: Client, q: Q) => c.request<AuditEvent[]>('/events', { query: { ...q } });
export const followEvents = (c: Client, q: Q, signal?: AbortSignal) =>
  c.openStream<AuditEvent>('/events', { query: { ...q, follow: 1 }, signal });

export const listContainers = (c: Client, all = false) =>
  c.request<ContainerSummary[]>('/containers', { query: { all } });
/** The containers and the GPU queue beside them, in one request (container-list). */
export const containerListing = (c: Client, all = false) =>
  c.request<ContainerListing>('/container-list', { query: { all } });

export const checkPolicy = (c: Client, text: string, file: string) =>
  c.request<PolicyCheck>('/admin/policy/check', { body: { text, file } satisfies PolicyCheckRequest });
export const reloadPolicy = (c: Client) =>
  c.request<{ ok: boolean; message: string }>('/admin/policy/reload', { method: 'POST' });

import type { NotifyPrefs, NotifySetRequest, NotifyTestRequest } from '../../daemon/api/types/index.js';
import type { Client } from './client.js';

export const myNotify = (c: Client) => c.request<NotifyPrefs>('/notify/me');
export const setMyNotify = (c: Client, body: NotifySetRequest) =>
  c.request<NotifyPrefs>('/notify/me', { method: 'PUT', body });
export const testNotify = (c: Client, body: NotifyTestRequest) =>
  c.request<{ target: string }>('/notify/test', { method: 'POST', body });

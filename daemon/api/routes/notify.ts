import type { Notifier } from '../../services/notifier.js';
import { type Route, route } from '../router.js';
import { notifySetRequest, notifyTestRequest } from '../types/notifications.js';

/** What the notification routes need. */
export type NotifyBackend = Pick<Notifier, 'prefs' | 'setPrefs' | 'test'>;

export function notifyRoutes(svc: NotifyBackend): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/notify/me',
      handler: async ({ caller }) => ({ json: await svc.prefs(caller) }),
    }),
    route({
      method: 'PUT',
      path: '/v1/notify/me',
      body: notifySetRequest,
      handler: async ({ caller, body }) => ({ json: await svc.setPrefs(caller, body) }),
    }),
    route({
      method: 'POST',
      path: '/v1/notify/test',
      body: notifyTestRequest,
      handler: async ({ caller, body }) => ({ json: svc.test(caller, body) }),
    }),
  ];
}

import { z } from 'zod';
import type { EventsService } from '../../services/events.js';
import { type Route, route } from '../router.js';

/** The events filter, shared by /v1/events and /v1/admin/events. */
export const eventsQuery = z
  .object({
    user: z.string().max(64).optional(),
    container: z.string().max(256).optional(),
    kind: z.string().max(64).optional(),
    since: z.string().max(64).optional(),
    until: z.string().max(64).optional(),
    limit: z.coerce.number().int().min(1).max(10_000).optional(),
    follow: z.enum(['0', '1', 'true', 'false']).optional(),
  })
  .strict();

/** What the events routes need (the service applies the visibility rule). */
export type EventsBackend = Pick<EventsService, 'list' | 'follow'>;

export function eventRoutes(svc: EventsBackend): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/events',
      handler: async ({ caller, query: qs, signal }) => {
        const q = eventsQuery.parse(Object.fromEntries(qs));
        const follow = q.follow === '1' || q.follow === 'true';
        if (follow) return { ndjson: svc.follow(caller, q, signal) };
        return { json: await svc.list(caller, q) };
      },
    }),
  ];
}

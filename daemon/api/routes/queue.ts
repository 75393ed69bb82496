import { z } from 'zod';
import { badRequest } from '../../errors.js';
import type { GpuQueue } from '../../services/gpu-queue.js';
import { type Route, route } from '../router.js';

const removeQuery = z.object({ reason: z.string().max(500).optional() }).strict();

function entryId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id < 1) {
    throw badRequest(`"${raw}" is not a queue entry id`, 'use the ID column of `gpu-queue`');
  }
  return id;
}

/** What the queue routes need. */
export type QueueBackend = Pick<GpuQueue, 'list' | 'leave' | 'remove'>;

export function queueRoutes(queue: QueueBackend): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/queue',
      handler: ({ caller }) => ({ json: queue.list(caller) }),
    }),
    route({
      method: 'DELETE',
      path: '/v1/queue/:id',
      handler: ({ caller, params, query }) => {
        const id = entryId(params.id as string);
        const q = removeQuery.parse(Object.fromEntries(query));
        // Admins removing someone else's entry give a reason the owner sees; anyone may leave their own.
        const own = queue.list(caller).find((e) => e.id === id && e.ownerUid === caller.uid);
        if (own || !caller.admin) return { json: queue.leave(caller, id) };
        return { json: queue.remove(caller, id, q.reason?.trim() || `removed by admin ${caller.name}`) };
      },
    }),
  ];
}

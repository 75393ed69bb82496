import { z } from 'zod';
import type { ContainerQueries } from '../../services/containers-read.js';
import { type Route, route } from '../router.js';

const listQuery = z.object({ all: z.enum(['0', '1', 'true', 'false']).optional() }).strict();

export function containerReadRoutes(q: ContainerQueries): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/containers',
      handler: ({ caller, query }) => {
        const p = listQuery.parse(Object.fromEntries(query));
        return { json: q.list(caller, { all: p.all === '1' || p.all === 'true' }) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/containers/:ref',
      handler: ({ caller, params }) => ({ json: q.summary(q.resolve(caller, params.ref as string)) }),
    }),
  ];
}

// /v1/cluster (admin: probe, render-slurm, check) and /v1/slurm/jobs (a node's prolog and epilog, as
// root; the batch step's wait, as the job's owner). Parse, call one service method, return data.

import { z } from 'zod';
import { badRequest } from '../../errors.js';
import type { ClusterConfig } from '../../services/cluster/config.js';
import type { SlurmNode } from '../../services/cluster/node.js';
import { type Route, route } from '../router.js';
import { renderSlurmRequest } from '../types/cluster.js';

export type ClusterBackend = Pick<ClusterConfig, 'probe' | 'render' | 'check'>;
export type SlurmNodeBackend = Pick<SlurmNode, 'prolog' | 'epilog' | 'wait'>;

const waitQuery = z.strictObject({ timeout: z.coerce.number().int().min(0).max(300).optional() });

function slurmId(raw: string): number {
  const id = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id) || id < 1)
    throw badRequest(`"${raw}" is not a Slurm job id`, 'give the number sbatch printed');
  return id;
}

export function clusterRoutes(cluster: ClusterBackend, node: SlurmNodeBackend): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/cluster/probe',
      admin: true,
      handler: () => ({ json: cluster.probe() }),
    }),
    route({
      method: 'POST',
      path: '/v1/cluster/render-slurm',
      admin: true,
      body: renderSlurmRequest,
      handler: async ({ body }) => ({ json: await cluster.render(body) }),
    }),
    route({
      method: 'GET',
      path: '/v1/cluster/check',
      admin: true,
      handler: async () => ({ json: await cluster.check() }),
    }),
    route({
      method: 'POST',
      path: '/v1/slurm/jobs/:id/prolog',
      admin: true,
      handler: async ({ params }) => ({ json: await node.prolog(slurmId(params.id as string)) }),
    }),
    route({
      method: 'POST',
      path: '/v1/slurm/jobs/:id/epilog',
      admin: true,
      handler: async ({ params }) => ({ json: await node.epilog(slurmId(params.id as string)) }),
    }),
    route({
      method: 'GET',
      path: '/v1/slurm/jobs/:id/wait',
      handler: async ({ caller, params, query, signal }) => {
        const q = waitQuery.parse(Object.fromEntries(query));
        return {
          json: await node.wait(caller, slurmId(params.id as string), (q.timeout ?? 30) * 1000, signal),
        };
      },
    }),
  ];
}

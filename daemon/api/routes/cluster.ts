// /v1/cluster (admin: probe, render-slurm, check) and /v1/slurm/jobs (a node's prolog and epilog, as
// root; the batch step's wait, as the job's owner; a job's log, from any node). Parse, call one service
// method, return data. `peerRoutes` are what other nodes' ds01d may ask (api/peer-server.ts).

import { z } from 'zod';
import { badRequest, Ds01Error } from '../../errors.js';
import type { ClusterConfig } from '../../services/cluster/config.js';
import type { SlurmDeploys } from '../../services/cluster/deploy.js';
import type { SlurmJobLogs } from '../../services/cluster/logs.js';
import type { SlurmNode } from '../../services/cluster/node.js';
import { type Route, route } from '../router.js';
import { jobLogQuery, renderSlurmRequest, slurmDeployRequest, slurmRetireRequest } from '../types/cluster.js';
import type { DashboardBackend } from './dashboard.js';

export type ClusterBackend = Pick<ClusterConfig, 'probe' | 'render' | 'check'>;
export type SlurmNodeBackend = Pick<SlurmNode, 'prolog' | 'epilog' | 'wait'>;
export type JobLogBackend = Pick<SlurmJobLogs, 'read' | 'readHere'>;
export type SlurmDeployBackend = Pick<SlurmDeploys, 'deploy' | 'retire'>;

function needSlurm(deploys: SlurmDeployBackend | null): SlurmDeployBackend {
  if (!deploys)
    throw new Ds01Error(
      'CONFLICT',
      'this server does not hand allocations to Slurm (backend: local)',
      'deploy here without --slurm',
    );
  return deploys;
}

const waitQuery = z.strictObject({ timeout: z.coerce.number().int().min(0).max(300).optional() });

function slurmId(raw: string): number {
  const id = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id) || id < 1)
    throw badRequest(`"${raw}" is not a Slurm job id`, 'give the number sbatch printed');
  return id;
}

const LOG_PATH = '/v1/slurm/jobs/:id/log';

function logArgs(params: Record<string, string>, query: URLSearchParams) {
  const q = jobLogQuery.parse(Object.fromEntries(query));
  return [slurmId(params.id as string), q.offset ?? 0, q.admin === '1'] as const;
}

/** Served to other nodes' ds01d: this node's own dashboard and the logs of jobs that ran here. */
export function peerRoutes(dashboard: DashboardBackend, logs: JobLogBackend): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/dashboard',
      handler: async ({ caller }) => ({ json: await dashboard.snapshot(caller) }),
    }),
    route({
      method: 'GET',
      path: LOG_PATH,
      handler: async ({ caller, params, query }) => ({
        json: await logs.readHere(caller, ...logArgs(params, query)),
      }),
    }),
  ];
}

export function clusterRoutes(
  cluster: ClusterBackend,
  node: SlurmNodeBackend,
  logs: JobLogBackend,
  deploys: SlurmDeployBackend | null,
): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/slurm/deploy',
      body: slurmDeployRequest,
      handler: async ({ caller, body, signal }) => ({
        status: 201,
        json: await needSlurm(deploys).deploy(caller, body, signal),
      }),
    }),
    route({
      method: 'POST',
      path: '/v1/slurm/deploy/retire',
      body: slurmRetireRequest,
      handler: async ({ caller, body }) => ({ json: await needSlurm(deploys).retire(caller, body.name) }),
    }),
    route({
      method: 'GET',
      path: LOG_PATH,
      handler: async ({ caller, params, query }) => ({
        json: await logs.read(caller, ...logArgs(params, query)),
      }),
    }),
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

// /v1/jobs: batch jobs (issue 16). Parse, call the job service, return data; ownership is the service's.
import { z } from 'zod';
import { badRequest } from '../../errors.js';
import type { Caller } from '../../identity/caller.js';
import { type Route, route } from '../router.js';
import { type JobLogChunk, jobLogQuery } from '../types/cluster.js';
import type { JobSubmitResult, JobView, JobWaitResult } from '../types/jobs.js';
import { jobSubmitRequest } from '../types/jobs.js';

/** What the job routes need: JobService (this server) or SlurmJobs (`backend: slurm`). */
export interface JobBackend {
  submit(caller: Caller, body: unknown): Promise<JobSubmitResult>;
  list(caller: Caller, opts: { all?: boolean }): JobView[] | Promise<JobView[]>;
  show(caller: Caller, id: number): JobView | Promise<JobView>;
  cancel(caller: Caller, id: number, reason?: string): Promise<JobView>;
  wait(caller: Caller, id: number, timeoutMs: number, signal: AbortSignal): Promise<JobWaitResult>;
}

const flag = z.enum(['0', '1', 'true', 'false']).optional();
const on = (v: string | undefined) => v === '1' || v === 'true';
const listQuery = z.strictObject({ all: flag });
const waitQuery = z.strictObject({ timeout: z.coerce.number().int().min(0).max(300).optional() });
const cancelBody = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() });

function jobId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id < 1)
    throw badRequest(`"${raw}" is not a job id`, 'use the ID column of `ds01 job list`');
  return id;
}

export function jobRoutes(jobs: JobBackend): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/jobs',
      body: jobSubmitRequest,
      handler: async ({ caller, body }) => {
        const r = await jobs.submit(caller, body);
        const done = !r.job.slurm && (r.job.state === 'running' || r.job.state === 'completed');
        return { status: done ? 201 : 202, json: r };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/jobs',
      handler: async ({ caller, query }) => {
        const q = listQuery.parse(Object.fromEntries(query));
        return { json: await jobs.list(caller, { all: on(q.all) }) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/jobs/:id',
      handler: async ({ caller, params }) => ({ json: await jobs.show(caller, jobId(params.id as string)) }),
    }),
    route({
      method: 'GET',
      path: '/v1/jobs/:id/wait',
      handler: async ({ caller, params, query, signal }) => {
        const q = waitQuery.parse(Object.fromEntries(query));
        return {
          json: await jobs.wait(caller, jobId(params.id as string), (q.timeout ?? 30) * 1000, signal),
        };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/jobs/:id/cancel',
      body: cancelBody,
      handler: async ({ caller, params, body }) => ({
        json: await jobs.cancel(caller, jobId(params.id as string), body.reason),
      }),
    }),
  ];
}

/** A job's log read through ds01d (as its owner): admins, with `admin=1`, for another user's job. */
export interface LocalJobLogBackend {
  read(caller: Caller, id: number, offset: number, admin: boolean): Promise<JobLogChunk>;
}

export function jobLogRoutes(logs: LocalJobLogBackend): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/jobs/:id/log',
      handler: async ({ caller, params, query }) => {
        const q = jobLogQuery.parse(Object.fromEntries(query));
        return { json: await logs.read(caller, jobId(params.id as string), q.offset ?? 0, q.admin === '1') };
      },
    }),
  ];
}

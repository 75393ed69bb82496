import type { GpuAdmin } from '../../services/gpu-admin.js';
import { type Route, route } from '../router.js';
import { gpuDrainRequest } from '../types/gpus.js';

/** What the GPU routes need. */
export type GpuBackend = Pick<GpuAdmin, 'list' | 'availability' | 'refresh' | 'drain' | 'forceRelease'>;

export function gpuRoutes(gpus: GpuBackend): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/gpus',
      handler: async ({ caller }) => ({ json: await gpus.list(caller) }),
    }),
    route({
      method: 'GET',
      path: '/v1/gpus/available',
      handler: async ({ caller }) => ({ json: await gpus.availability(caller) }),
    }),
    route({
      method: 'POST',
      path: '/v1/gpus/refresh',
      admin: true,
      handler: async ({ caller }) => ({ json: await gpus.refresh(caller) }),
    }),
    route({
      method: 'POST',
      path: '/v1/gpus/:ref/drain',
      admin: true,
      body: gpuDrainRequest,
      handler: ({ caller, params, body }) => ({
        json: gpus.drain(caller, params.ref as string, body.reason, true),
      }),
    }),
    route({
      method: 'POST',
      path: '/v1/gpus/:ref/undrain',
      admin: true,
      body: gpuDrainRequest,
      handler: ({ caller, params, body }) => ({
        json: gpus.drain(caller, params.ref as string, body.reason, false),
      }),
    }),
    route({
      method: 'POST',
      path: '/v1/gpus/:slot/release',
      admin: true,
      body: gpuDrainRequest,
      handler: ({ caller, params, body }) => ({
        json: gpus.forceRelease(caller, params.slot as string, body.reason),
      }),
    }),
  ];
}

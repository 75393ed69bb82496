import type { GpuTester } from '../../services/gpu-test.js';
import { type Route, route } from '../router.js';
import { gpuTestRequest } from '../types/gpus.js';

/** What the GPU test route needs. Not admin-only: the tester lets a user test a slot they hold. */
export type GpuTestBackend = Pick<GpuTester, 'test'>;

export function gpuTestRoutes(t: GpuTestBackend): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/gpus/:slot/test',
      body: gpuTestRequest,
      handler: async ({ caller, params, body }) => ({
        json: await t.test(caller, params.slot as string, body),
      }),
    }),
  ];
}

// Access into one's own container: the SSH stream (an Upgrade whose far end is the SSH server in
// ds01d), its host key, the ports listening in it, and JupyterLab.
import { z } from 'zod';
import type { AccessService } from '../../services/access.js';
import { type Route, route, type UpgradeRoute } from '../router.js';
import { SSH_UPGRADE_PROTOCOL } from '../types/access.js';

const jupyterBody = z.strictObject({ port: z.number().int().min(1024).max(65535).optional() });

export function accessRoutes(svc: AccessService): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/containers/:ref/ssh-host-key',
      handler: async ({ caller, params }) => ({ json: await svc.hostKey(caller, params.ref as string) }),
    }),
    route({
      method: 'GET',
      path: '/v1/containers/:ref/ports',
      handler: async ({ caller, params }) => ({ json: await svc.ports(caller, params.ref as string) }),
    }),
    route({
      method: 'POST',
      path: '/v1/containers/:ref/jupyter',
      body: jupyterBody,
      handler: async ({ caller, params, body }) => ({
        json: await svc.jupyter(caller, params.ref as string, body.port),
      }),
    }),
  ];
}

/** POST /v1/containers/:ref/ssh with `Upgrade: ssh`: after the 101, the stream is SSH. */
export function accessUpgradeRoutes(svc: AccessService): UpgradeRoute[] {
  return [
    {
      method: 'POST',
      path: '/v1/containers/:ref/ssh',
      protocol: SSH_UPGRADE_PROTOCOL,
      handler: ({ caller, params }) => svc.openSsh(caller, params.ref as string),
    },
  ];
}

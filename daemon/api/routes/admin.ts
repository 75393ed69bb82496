import { Ds01Error } from '../../errors.js';
import { toPolicyCheck } from '../../policy/check.js';
import { parsePolicy } from '../../policy/load.js';
import type { PolicyService } from '../../services/policy.js';
import { type Route, route } from '../router.js';
import { policyCheckRequest } from '../types/admin.js';

/** What the policy admin routes need. */
export type PolicyBackend = Pick<PolicyService, 'reload' | 'current' | 'file' | 'loadedAt' | 'lastError'>;

export function adminRoutes(
  policy: PolicyBackend,
  onReload: (caller: string, ok: boolean, message: string) => void,
): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/admin/policy/reload',
      admin: true,
      handler: ({ caller }) => {
        const r = policy.reload();
        onReload(caller.name, r.ok, r.message);
        if (!r.ok) {
          throw new Ds01Error(
            'INVALID_POLICY',
            `policy edit rejected; the daemon keeps the last good policy:\n${r.message}`,
            'fix the file (`ds01 config check`) and reload again',
            r.errors,
          );
        }
        return { json: r };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/admin/policy/check',
      admin: true,
      body: policyCheckRequest,
      handler: ({ body }) => {
        return { json: toPolicyCheck(parsePolicy(body.text, body.file)) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/admin/policy',
      admin: true,
      handler: () => ({
        json: {
          file: policy.file,
          loadedAt: policy.loadedAt,
          lastError: policy.lastError,
          policy: policy.current(),
        },
      }),
    }),
  ];
}

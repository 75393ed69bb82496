import { badRequest } from '../../errors.js';
import type { QuotaService } from '../../services/quota.js';
import { type Route, route } from '../router.js';

/** What the quota routes need. */
export type QuotaBackend = Pick<QuotaService, 'report'>;

const flag = (q: URLSearchParams, name: string): boolean => {
  const v = q.get(name);
  if (v === null || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true' || v === '') return true;
  throw badRequest(`${name}=${v} is not a yes/no value`, `use ${name}=1`);
};

export function quotaRoutes(svc: QuotaBackend): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/quota',
      // ?user=NAME (admins, or oneself), ?all=1 (admins), ?refresh=1 (measure now and wait for it)
      handler: async ({ caller, query }) => {
        const user = query.get('user') ?? undefined;
        if (user !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}\$?$/.test(user))
          throw badRequest('user must be a login name or a uid', 'e.g. --user alice');
        return {
          json: await svc.report(caller, {
            ...(user !== undefined ? { user } : {}),
            all: flag(query, 'all'),
            refresh: flag(query, 'refresh'),
          }),
        };
      },
    }),
  ];
}

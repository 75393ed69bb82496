import type { Readable } from 'node:stream';
import { z } from 'zod';
import { IMAGE_TAG, NAME, NAME_RULE } from '../../common/names.js';
import { Ds01Error } from '../../errors.js';
import type { ImageService } from '../../services/images.js';
import { type Route, route } from '../router.js';

const flag = z.enum(['0', '1', 'true', 'false']).optional();
const on = (v: string | undefined) => v === '1' || v === 'true';

const listQuery = z.object({ all: flag }).strict();
const buildQuery = z
  .object({
    name: z.string().regex(NAME, NAME_RULE),
    tag: z.string().regex(IMAGE_TAG, 'letters, digits, "_", "." and "-"').default('latest'),
    nocache: flag,
  })
  .strict();
const deleteQuery = z.object({ force: flag, owner: z.coerce.number().int().min(0).optional() }).strict();

/** What the image routes need. */
export type ImageBackend = Pick<ImageService, 'bases' | 'list' | 'build' | 'remove'>;

export function imageRoutes(svc: ImageBackend, maxContextBytes: number): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/images',
      handler: async ({ caller, query }) => {
        const q = listQuery.parse(Object.fromEntries(query));
        return { json: await svc.list(caller, { all: on(q.all) }) };
      },
    }),
    route({ method: 'GET', path: '/v1/images/bases', handler: async () => ({ json: await svc.bases() }) }),
    route({
      method: 'POST',
      path: '/v1/images/build',
      // The build context (a tar stream) — never a path: the root daemon reads nothing the client names.
      raw: { maxBytes: maxContextBytes },
      handler: async ({ caller, query, req, raw, signal }) => {
        const q = buildQuery.parse(Object.fromEntries(query));
        const ct = req.headers['content-type'] ?? '';
        if (!/^application\/(x-)?tar\b/i.test(ct))
          throw new Ds01Error(
            'UNSUPPORTED_MEDIA_TYPE',
            `send the build context as a tar stream (content-type application/x-tar), not ${ct || 'nothing'}`,
          );
        return {
          ndjson: await svc.build(
            caller,
            { name: q.name, tag: q.tag, noCache: on(q.nocache) },
            raw as Readable,
            signal,
          ),
        };
      },
    }),
    route({
      method: 'DELETE',
      path: '/v1/images/:ref',
      handler: async ({ caller, params, query }) => {
        const q = deleteQuery.parse(Object.fromEntries(query));
        return {
          json: await svc.remove(caller, params.ref as string, { force: on(q.force), ownerUid: q.owner }),
        };
      },
    }),
  ];
}

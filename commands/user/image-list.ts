import type { Ctx } from '../lib/context.js';
import { baseImages, listImages } from '../lib/images.js';
import { printJson, table } from '../lib/output.js';
import { ago, size } from '../lib/units.js';

/** `image-list --bases`: the catalogue's base images that are actually on this server. */
async function runBaseList(ctx: Ctx, o: { json?: boolean }): Promise<number> {
  const bases = await baseImages(ctx.client);
  if (o.json) {
    printJson(ctx.io, bases);
    return 0;
  }
  const here = bases.filter((b) => b.present);
  if (here.length)
    ctx.io.out(
      table(
        ['NAME', 'IMAGE', 'DESCRIPTION'],
        here.map((b) => [b.name, b.image, b.description]),
        ctx.io,
      ),
    );
  else ctx.io.err('none of the catalogue’s base images is on this server\n');
  const missing = bases.filter((b) => !b.present);
  if (missing.length)
    ctx.io.err(
      `not on this server (an admin can pull them): ${missing.map((b) => `${b.name} (${b.image})`).join(', ')}\n`,
    );
  return 0;
}

export async function runImageList(
  ctx: Ctx,
  o: { json?: boolean; all?: boolean; bases?: boolean },
): Promise<number> {
  if (o.bases) return runBaseList(ctx, o);
  const list = await listImages(ctx.client, o.all);
  if (o.json) {
    printJson(ctx.io, list);
    return 0;
  }
  if (!list.length) {
    ctx.io.err('no images — make one with `image-create NAME`\n');
    return 0;
  }
  const rows = list.map((i) => [
    `${i.name}:${i.tag}`,
    ...(o.all ? [i.owner] : []),
    size(i.sizeBytes),
    ago(i.createdAt, Date.now()),
    i.containers.map((c) => c.name.split('._.')[0]).join(',') || '-',
  ]);
  ctx.io.out(table(['IMAGE', ...(o.all ? ['OWNER'] : []), 'SIZE', 'CREATED', 'CONTAINERS'], rows, ctx.io));
  return 0;
}

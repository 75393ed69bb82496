import type { Ctx } from '../lib/context.js';
import { listImages } from '../lib/images.js';
import { printJson, table } from '../lib/output.js';
import { ago, size } from '../lib/units.js';

export async function runImageList(ctx: Ctx, o: { json?: boolean; all?: boolean }): Promise<number> {
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

import type { Ctx } from '../lib/context.js';
import { listImages } from '../lib/images.js';
import { ago, printJson, table } from '../lib/output.js';

function size(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  return `${Math.max(1, Math.round(bytes / 1024 ** 2))} MB`;
}

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
    ago(i.createdAt),
    i.containers.map((c) => c.name.split('._.')[0]).join(',') || '-',
  ]);
  ctx.io.out(
    table(['IMAGE', ...(o.all ? ['OWNER'] : []), 'SIZE', 'CREATED', 'CONTAINERS'], rows, ctx.io.columns),
  );
  return 0;
}

// image-delete NAME[:TAG] [--force]: an image in use is refused; --force says what it breaks.
import type { Ctx } from '../lib/context.js';
import { deleteImage, listImages } from '../lib/images.js';
import { paint } from '../lib/output.js';
import { UsageError } from '../lib/prompts.js';

export async function runImageDelete(
  ctx: Ctx,
  ref: string,
  o: { force?: boolean; owner?: string; json?: boolean },
): Promise<number> {
  let owner: number | undefined;
  if (o.owner !== undefined) {
    // Admins name the owner by user name or uid; the daemon decides whether the caller may.
    if (/^\d+$/.test(o.owner)) owner = Number(o.owner);
    else {
      const hit = (await listImages(ctx.client, true)).find((i) => i.owner === o.owner);
      if (!hit) throw new UsageError(`no images owned by ${o.owner} (see \`image-list --all\`)`);
      owner = hit.ownerUid;
    }
  }
  const r = await deleteImage(ctx.client, ref, { force: o.force, owner });
  if (o.json) {
    ctx.io.out(`${JSON.stringify(r, null, 2)}\n`);
    return 0;
  }
  const p = paint(ctx.io);
  ctx.io.err(`deleted ${r.ref}\n`);
  if (r.broken.length) {
    ctx.io.err(
      p.yellow(
        `these containers still run it but cannot be recreated from it: ${r.broken.map((c) => c.name.split('._.')[0]).join(', ')}\n`,
      ),
    );
  }
  return 0;
}

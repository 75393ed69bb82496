// image-update NAME: add packages to the marked sections of the generated Dockerfile and rebuild; the
// old image stays tagged unless the new build succeeds. Containers on the old image are named with the
// commands that recreate them.
import { readFileSync, writeFileSync } from 'node:fs';
import { editDockerfile, SpecError } from '../../daemon/common/dockerfile.js';
import { splitList } from '../../daemon/common/packages.js';
import type { Ctx } from '../lib/context.js';
import { dockerfilePath, listImages } from '../lib/images.js';
import { paint } from '../lib/output.js';
import { confirm, UsageError } from '../lib/prompts.js';
import {
  buildAndShow,
  ownImageRef,
  printBuildResult,
  readRequirements,
  resolveName,
} from './image-create.js';

export interface ImageUpdateOpts {
  add?: string[];
  addSystem?: string[];
  requirements?: string;
  rebuild?: boolean;
  noCache?: boolean;
  cache?: boolean; // commander's --no-cache
  tag?: string;
  yes?: boolean;
  json?: boolean;
}

export async function runImageUpdate(
  ctx: Ctx,
  nameArg: string | undefined,
  o: ImageUpdateOpts,
): Promise<number> {
  const name = await resolveName(nameArg, 'Image');
  const path = dockerfilePath(name);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`no Dockerfile for ${name} at ${path}; create one with \`image-create ${name}\``);
  }
  const addPip = [...splitList(o.add), ...(o.requirements ? readRequirements(o.requirements) : [])];
  const addApt = splitList(o.addSystem);
  const noCache = o.noCache || o.cache === false;
  if (!addPip.length && !addApt.length && !o.rebuild && !noCache)
    throw new UsageError(
      'nothing to do: give --add PKGS, --add-system PKGS, --requirements FILE or --rebuild',
    );
  const p = paint(ctx.io);
  if (addPip.length || addApt.length) {
    let next: string;
    try {
      next = editDockerfile(text, { addPip, addApt });
    } catch (err) {
      if (err instanceof SpecError) throw new UsageError(`${err.message}\n  hint: ${err.hint}`);
      throw err;
    }
    if (next !== text) {
      writeFileSync(path, next);
      ctx.io.err(
        `updated ${path}${addPip.length ? ` (+pip: ${addPip.join(' ')})` : ''}${addApt.length ? ` (+apt: ${addApt.join(' ')})` : ''}\n`,
      );
      text = next;
    } else ctx.io.err(`${path} already lists those packages\n`);
  }
  const ref = ownImageRef(name, o.tag);
  const before = (await listImages(ctx.client)).find((i) => i.ref === ref);
  // --rebuild already says "rebuild": asking again would make the flag pointless.
  const yes = o.yes || o.rebuild;
  if (!(await confirm(`Rebuild ${name}?`, { yes, flags: '--yes', default: true }))) {
    printBuildResult(ctx, o.json, { name, dockerfile: path, containersOnPrevious: [] });
    return 0;
  }
  const outcome = await buildAndShow(ctx, name, text, { tag: o.tag, noCache });
  const using = before?.containers ?? [];
  printBuildResult(ctx, o.json, {
    name,
    dockerfile: path,
    outcome,
    containersOnPrevious: outcome.code === 0 ? using.map((c) => c.name) : [],
  });
  if (outcome.code !== 0) {
    if (before) ctx.io.err(`${p.dim('the previous image is unchanged:')} ${ref}\n`);
    return outcome.code;
  }
  // Running containers keep the image they were made from: say how to move them to the new one.
  if (using.length) {
    ctx.io.err(
      `${using.length} container(s) still run the previous ${name} image; recreate them to use the new one:\n`,
    );
    for (const c of using) {
      const short = c.name.split('._.')[0] ?? c.name;
      ctx.io.err(`  container-retire ${short} && container-deploy ${short} --image ${ref}\n`);
    }
  }
  return 0;
}

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Ctx } from '../lib/context.js';
import { checkPolicy, reloadPolicy } from '../lib/system.js';

/** `ds01 config check [FILE]`: the daemon's own validator over any file (the text is uploaded). */
export async function runConfigCheck(
  ctx: Ctx,
  file: string | undefined,
  opts: { json?: boolean },
): Promise<number> {
  const path = resolve(file ?? process.env.DS01_POLICY ?? '/etc/ds01/resource-limits.yaml');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    ctx.io.err(`ds01: cannot read ${path}: ${(err as Error).message}\n`);
    return 1;
  }
  const r = await checkPolicy(ctx.client, text, path);
  if (opts.json) ctx.io.out(`${JSON.stringify(r, null, 2)}\n`);
  else {
    if (r.text) ctx.io.out(`${r.text.trimEnd()}\n`);
    ctx.io.err(r.ok ? `${path}: valid\n` : `${path}: invalid — the daemon would keep its last good policy\n`);
  }
  return r.ok ? 0 : 1;
}

export async function runConfigReload(ctx: Ctx): Promise<number> {
  const r = await reloadPolicy(ctx.client);
  ctx.io.err(`${r.message}\n`);
  return 0;
}

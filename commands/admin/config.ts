import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DaemonUnreachableError } from '../lib/client.js';
import type { Ctx } from '../lib/context.js';
import { printJson } from '../lib/output.js';
import { checkPolicy, type PolicyCheck, reloadPolicy, systemInfo } from '../lib/system.js';

/**
 * ds01d from the same install as this CLI: the nearest `daemon/main.js` above this module. Searched,
 * not a fixed `../..`, because this code runs from the commands bundle (dist/commands/bin/cli-HASH.cjs)
 * as well as from tsc's per-file output (dist/commands/admin/).
 */
function installedDaemon(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, 'daemon', 'main.js');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir)
      throw new Error(`ds01d (daemon/main.js) not found above ${here}: is ds01 installed?`);
  }
}

/** The same validator without a daemon: `ds01d --check-config FILE --json` (like `sshd -t`). */
function checkOffline(path: string): PolicyCheck {
  const DS01D = installedDaemon();
  const r = spawnSync(process.execPath, [DS01D, '--check-config', path, '--json'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.status !== 0 && r.status !== 1) {
    throw new Error(`${DS01D} --check-config failed: ${(r.stderr || r.error?.message || '').trim()}`);
  }
  return JSON.parse(r.stdout) as PolicyCheck;
}

/**
 * Without FILE: the file the running daemon watches (its --policy), so the check and the reload look at
 * the same thing; with the daemon down, DS01_POLICY or the packaged default.
 */
async function daemonPolicyFile(ctx: Ctx): Promise<string> {
  try {
    return (await systemInfo(ctx.client)).policy.file;
  } catch (err) {
    if (!(err instanceof DaemonUnreachableError)) throw err;
    return process.env.DS01_POLICY ?? '/etc/ds01/resource-limits.yaml';
  }
}

/**
 * `ds01 config check [FILE]`: the daemon's own validator over any file (the text is uploaded); when the
 * daemon cannot be reached — exactly when an admin fixing a broken policy needs it — the same check runs
 * offline.
 */
export async function runConfigCheck(
  ctx: Ctx,
  file: string | undefined,
  opts: { json?: boolean },
): Promise<number> {
  const path = resolve(file ?? (await daemonPolicyFile(ctx)));
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    ctx.io.err(`ds01: cannot read ${path}: ${(err as Error).message}\n`);
    return 1;
  }
  let r: PolicyCheck;
  let offline = false;
  try {
    r = await checkPolicy(ctx.client, text, path);
  } catch (err) {
    if (!(err instanceof DaemonUnreachableError)) throw err;
    ctx.io.err(`ds01: ${err.message}; checking offline with ds01d --check-config\n`);
    r = checkOffline(path);
    offline = true;
  }
  if (opts.json) ctx.io.out(`${JSON.stringify(r, null, 2)}\n`);
  else {
    if (r.text) ctx.io.out(`${r.text.trimEnd()}\n`);
    const invalid = offline
      ? `${path}: invalid — ds01d would refuse it (and keep or start on its last good policy)\n`
      : `${path}: invalid — the daemon would keep its last good policy\n`;
    ctx.io.err(r.ok ? `${path}: valid\n` : invalid);
  }
  return r.ok ? 0 : 1;
}

export async function runConfigReload(ctx: Ctx, opts: { json?: boolean } = {}): Promise<number> {
  const r = await reloadPolicy(ctx.client);
  if (opts.json) printJson(ctx.io, r);
  else ctx.io.err(`${r.message}\n`);
  return 0;
}

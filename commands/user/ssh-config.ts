// `ds01 ssh-config [NAME…] [--host SERVER] [--write FILE]`: the `Host NAME.ds01` blocks for OpenSSH and
// VS Code Remote-SSH. Printed, or merged into FILE (its other contents kept). `--known-hosts` prints the
// containers' host keys as known_hosts lines instead.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { sshHostKey } from '../lib/access.js';
import type { Ctx } from '../lib/context.js';
import { printJson } from '../lib/output.js';
import { UsageError } from '../lib/prompts.js';
import { knownHostsLine, mergeSshConfig, sshBlock } from '../lib/ssh-config.js';
import { listContainers } from '../lib/system.js';

export interface SshConfigOpts {
  host?: string;
  write?: string;
  ds01?: string;
  knownHosts?: boolean;
  json?: boolean;
}

export async function runSshConfig(ctx: Ctx, names: string[], o: SshConfigOpts): Promise<number> {
  if (o.host !== undefined && !/^[A-Za-z0-9_.@:-]+$/.test(o.host))
    throw new UsageError(
      `--host ${o.host}: give the server as you reach it with ssh (a name, user@name or an alias)`,
    );
  const wanted = names.length ? names : (await listContainers(ctx.client)).map((c) => c.name);
  if (!wanted.length) {
    ctx.io.err('ds01: you have no containers yet; deploy one first (container-deploy NAME)\n');
    return 4;
  }
  const keys: Awaited<ReturnType<typeof sshHostKey>>[] = [];
  for (const n of wanted) keys.push(await sshHostKey(ctx.client, n));
  const hosts = () =>
    keys.map((k, i) => ({
      container: k.container,
      alias: k.alias,
      user: k.user,
      fingerprint: k.fingerprint,
      knownHosts: knownHostsLine(k.container, k.publicKey),
      block: blocks[i]?.text,
    }));
  if (o.knownHosts && !o.json) {
    for (const k of keys) ctx.io.out(`${knownHostsLine(k.container, k.publicKey)}\n`);
    return 0;
  }
  const blocks = keys.map((k) => ({
    name: k.container,
    text: sshBlock({
      name: k.container,
      user: k.user,
      server: o.host ?? null,
      ds01: o.ds01 ?? 'ds01',
      fingerprint: k.fingerprint,
    }),
  }));
  if (o.json && !o.write) {
    printJson(ctx.io, hosts());
    return 0;
  }
  if (!o.write) {
    ctx.io.out(`${blocks.map((b) => b.text).join('\n\n')}\n`);
    if (!o.host)
      ctx.io.err(
        'ds01: these blocks run ds01 where ssh runs; for a laptop, add --host SERVER (how you reach this server with ssh)\n',
      );
    return 0;
  }
  const before = existsSync(o.write) ? readFileSync(o.write, 'utf8') : '';
  const tmp = `${o.write}.ds01-${process.pid}`;
  writeFileSync(tmp, mergeSshConfig(before, blocks), { mode: 0o600 });
  renameSync(tmp, o.write);
  for (const k of keys)
    ctx.io.err(`ds01: ${k.alias} → container ${k.container} (host key ${k.fingerprint})\n`);
  ctx.io.err(`ds01: wrote ${o.write}; try: ssh ${keys[0]?.alias} whoami\n`);
  if (o.json) printJson(ctx.io, { written: o.write, hosts: hosts() });
  return 0;
}

// `ds01 web`: how to open the web dashboard. The page is served on a Unix socket on this server; the
// user's own ssh forwards a laptop port to it, so the server knows who is asking without a password.
import type { WebInfo } from '../../daemon/api/types/web.js';
import type { Ctx } from '../lib/context.js';
import { printJson } from '../lib/output.js';
import { UsageError } from '../lib/prompts.js';
import { whoami } from '../lib/system.js';

export async function runWeb(
  ctx: Ctx,
  opts: { port?: string; host?: string; json?: boolean },
): Promise<number> {
  const port = Number(opts.port ?? 8080);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`--port must be a TCP port number (1-65535), not ${opts.port}`);
  const [info, me] = await Promise.all([ctx.client.request<WebInfo>('/web'), whoami(ctx.client)]);
  if (!info.socket) {
    ctx.io.err('ds01: the web dashboard is switched off on this server (web_socket: off in ds01d.yaml)\n');
    ctx.io.err('hint: ds01-dashboard shows the same in the terminal\n');
    return 1;
  }
  const host = opts.host ?? info.host;
  const ssh = `ssh -N -L ${port}:${info.socket} ${me.name}@${host}`;
  const url = `http://localhost:${port}`;
  if (opts.json) {
    printJson(ctx.io, { socket: info.socket, host, user: me.name, port, ssh, url });
    return 0;
  }
  ctx.io.out('On your own computer, run:\n\n');
  ctx.io.out(`  ${ssh}\n\n`);
  ctx.io.out(`then open ${url} in a browser (keep ssh running; Ctrl-C ends it).\n`);
  ctx.io.out('No password on the page: the server knows you by your ssh login.\n');
  return 0;
}

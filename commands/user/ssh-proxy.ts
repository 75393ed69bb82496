// `ds01 ssh-proxy NAME`: OpenSSH's ProxyCommand. stdin/stdout become the SSH stream to the server ds01d
// runs for the container (the daemon knows who we are from the socket). Nothing else may be written to
// stdout; refusals go to stderr with the usual exit codes (3 denied, 4 not found).
import { sshStream } from '../lib/access.js';
import type { Ctx } from '../lib/context.js';

export async function runSshProxy(ctx: Ctx, name: string): Promise<number> {
  await sshStream(ctx.client, name, process.stdin, process.stdout);
  return 0;
}

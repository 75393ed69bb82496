// `ds01 ssh-proxy NAME`: OpenSSH's ProxyCommand. stdin/stdout become the SSH stream to the server ds01d
// runs for the container (the daemon knows who we are from the socket). Nothing else may be written to
// stdout; refusals go to stderr with the usual exit codes (3 denied, 4 not found).
import { sshStream } from '../lib/access.js';
import { ApiError, Client, DaemonUnreachableError } from '../lib/client.js';
import type { Ctx } from '../lib/context.js';

export async function runSshProxy(ctx: Ctx, name: string): Promise<number> {
  await sshStream(ctx.client, name, process.stdin, process.stdout);
  return 0;
}

/** The fast entry (bin/ds01.ts calls it without loading the command tree): errors as the CLI prints them. */
export async function sshProxyMain(name: string): Promise<number> {
  try {
    await sshStream(new Client(), name, process.stdin, process.stdout);
    return 0;
  } catch (err) {
    if (err instanceof ApiError) {
      process.stderr.write(`ds01: ${err.message}\n${err.hint ? `  hint: ${err.hint}\n` : ''}`);
      return err.exitCode;
    }
    process.stderr.write(`ds01: ${(err as Error)?.message ?? String(err)}\n`);
    return err instanceof DaemonUnreachableError ? 5 : 1;
  }
}

// `ds01 jupyter NAME [--port 8888]`: start JupyterLab in the container (as you, on its loopback, with a
// fresh token), wait for it, and say the one line that forwards it to a laptop and the URL to open.
import { startJupyter } from '../lib/access.js';
import type { Ctx } from '../lib/context.js';
import { paint, printJson } from '../lib/output.js';
import { UsageError } from '../lib/prompts.js';

export async function runJupyter(
  ctx: Ctx,
  name: string,
  o: { port?: string; json?: boolean },
): Promise<number> {
  const port = o.port === undefined ? undefined : Number(o.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1024 || port > 65535))
    throw new UsageError(`--port ${o.port}: pick a port between 1024 and 65535`);
  ctx.io.err(`ds01: starting JupyterLab in ${name}…\n`);
  const r = await startJupyter(ctx.client, name, port);
  if (o.json) {
    printJson(ctx.io, r);
    return 0;
  }
  const p = paint(ctx.io);
  ctx.io.err(
    `${r.started ? 'JupyterLab is running' : 'JupyterLab was already running'} in ${r.container} on port ${r.port}.\n` +
      `On your laptop (with the ${r.container}.ds01 block from \`ds01 ssh-config --host SERVER\`), run:\n`,
  );
  ctx.io.out(`ssh -N -L ${r.port}:localhost:${r.port} ${r.container}.ds01\n`);
  ctx.io.err('then open:\n');
  ctx.io.out(`${r.url}\n`);
  ctx.io.err(
    p.dim(
      `(stop it with: container-open ${r.container} -- pkill -f "jupyter"; it also ends with the container)\n`,
    ),
  );
  return 0;
}

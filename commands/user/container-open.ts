import { getContainer, nameOrPick, startContainer } from '../lib/containers.js';
import type { Ctx } from '../lib/context.js';
import { openShell } from '../lib/shell.js';

/** A shell (or `cmd`) in a running container; exits with the remote exit code. */
export async function runContainerOpen(ctx: Ctx, name: string | undefined, cmd: string[]): Promise<number> {
  const ref = await nameOrPick(ctx.client, name, 'open', (c) => c.state === 'running');
  return openShell(ctx.client, ref, cmd);
}

/** container-run: start it if needed, then open. */
export async function runContainerRun(ctx: Ctx, name: string | undefined, cmd: string[]): Promise<number> {
  const ref = await nameOrPick(ctx.client, name, 'run');
  const c = await getContainer(ctx.client, ref);
  if (c.state !== 'running') await startContainer(ctx.client, ref);
  return openShell(ctx.client, ref, cmd);
}

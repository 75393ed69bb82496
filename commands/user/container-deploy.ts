import { type CreateFlags, deployContainer, gpuText, newName, requestFromFlags } from '../lib/containers.js';
import type { Ctx } from '../lib/context.js';
import { printJson } from '../lib/output.js';
import { choose, UsageError } from '../lib/prompts.js';
import { openShell } from '../lib/shell.js';
import { describePlan } from './container-create.js';
import { guideDeploy } from './deploy-guide.js';

export interface DeployFlags extends CreateFlags {
  background?: boolean;
  open?: boolean;
  queue?: boolean;
  yes?: boolean;
  json?: boolean;
  guided?: boolean;
}

/** create + start (+ open). Exit code: the shell's with --open, else 0 (also when queued). */
export async function runContainerDeploy(
  ctx: Ctx,
  name: string | undefined,
  opts: DeployFlags,
): Promise<number> {
  if (opts.background && opts.open) throw new UsageError('give --background or --open, not both');
  if (opts.guided) ({ name, flags: opts } = await guideDeploy(ctx, name, opts));
  const body = {
    ...requestFromFlags(await newName(name, 'deploy'), opts),
    ...(opts.queue ? { queue: true } : {}),
  };
  let open = Boolean(opts.open);
  if (!opts.background && !opts.open && !opts.dryRun && !opts.json) {
    if (opts.yes) open = false;
    else {
      // Validate everything (image, name, quota) before asking anything: a question answered for a
      // deploy that then fails on a missing image wastes the user's time.
      await deployContainer(ctx.client, { ...body, dryRun: true });
      open =
        (await choose(
          'Run it in the background, or open a terminal in it?',
          [
            { value: 'background', label: 'background (open it later with container-open)' },
            { value: 'terminal', label: 'terminal (a shell in it now)' },
          ],
          'pass --background or --open',
        )) === 'terminal';
    }
  }
  const r = await deployContainer(ctx.client, body);
  if (opts.json) printJson(ctx.io, r);
  if (r.status === 'dry-run') {
    if (!opts.json) ctx.io.err(`would deploy ${describePlan(r)}\n`);
    return 0;
  }
  if (r.status === 'queued') {
    if (!opts.json)
      ctx.io.err(
        `no GPU free now: queued at position ${r.queue?.position} (entry ${r.queue?.id}); it deploys by itself when one frees — follow with \`ds01 events --follow\`\n`,
      );
    return 0;
  }
  const c = r.container;
  if (!opts.json) ctx.io.err(`deployed ${r.plan.name} (${c ? gpuText(c) : 'cpu'}, ${r.plan.image})\n`);
  if (!open) {
    if (!opts.json) ctx.io.err(`open a shell with \`container-open ${r.plan.name}\`\n`);
    return 0;
  }
  return openShell(ctx.client, r.plan.name);
}

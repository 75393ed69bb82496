// container-pause NAME / container-unpause NAME: freeze a container for a break and thaw it. It keeps its
// GPU; the daemon stops it if it stays paused longer than the policy's max_pause.
import { nameOrPick, pauseContainer } from '../lib/containers.js';
import type { Ctx } from '../lib/context.js';
import { printJson } from '../lib/output.js';
import { clock, fromNow } from '../lib/units.js';

export async function runContainerPause(
  ctx: Ctx,
  name: string | undefined,
  pause: boolean,
  opts: { json?: boolean },
): Promise<number> {
  const verb = pause ? 'pause' : 'unpause';
  const ref = await nameOrPick(ctx.client, name, verb, (c) => c.state === (pause ? 'running' : 'paused'));
  const r = await pauseContainer(ctx.client, ref, pause);
  if (opts.json) {
    printJson(ctx.io, r);
    return 0;
  }
  const c = r.container;
  if (r.unchanged) ctx.io.err(`${c.name} is already ${c.state}\n`);
  else if (pause)
    ctx.io.err(
      `paused ${c.name}: its processes are frozen and it keeps its GPU; resume with \`container-unpause ${c.name}\`\n`,
    );
  else ctx.io.err(`unpaused ${c.name}: it runs again (idle stops apply as usual)\n`);
  if (r.stopsAt)
    ctx.io.err(
      `it will be stopped ${fromNow(r.stopsAt, Date.now())} (${clock(r.stopsAt, { seconds: false })}) if still paused (max_pause)\n`,
    );
  return 0;
}

// container-deploy --guided: the questions a deploy needs that no flag answered (name, image, GPU, what
// to do when none is free), each preceded by a few plain words on what it means — as image-create
// --guided does. It only fills in flags; the deploy itself is the usual one (and checks everything).
import type { GpuAvailabilityReport } from '../../daemon/api/types/index.js';
import { nameProblem } from '../../daemon/common/names.js';
import type { Ctx } from '../lib/context.js';
import { gpuAvailability } from '../lib/gpus.js';
import { baseImages, listImages } from '../lib/images.js';
import { paint } from '../lib/output.js';
import { input, select } from '../lib/prompts.js';
import type { DeployFlags } from './container-deploy.js';

export const DEPLOY_HELP = {
  name: `A container is your own machine on this server. Its name is also its project: ~/workspace/NAME
is mounted at /workspace inside, and stays when the container is retired.`,
  image: `The image is the software it starts from: one of yours (image-create made it) or a framework
from the admins' catalogue.`,
  gpu: `A GPU slot is a whole GPU or a MIG slice (an isolated part of one, e.g. 1g.10gb). Take the smallest
that fits your work: others share these cards, and idle ones are stopped after a while.`,
  queue: `No slot of that kind is free now. In the queue, the deploy starts by itself when one frees up (you
are told); without it, the deploy fails now and you can try again later.`,
  open: `In the background it keeps running when you log out; open a shell any time with container-open.`,
} as const;

const WHOLE = 'full';
const CPU = 'cpu';

/** Plain words for one kind of slot in the GPU question. */
export function slotChoice(p: GpuAvailabilityReport['profiles'][number]): { value: string; label: string } {
  const what = p.kind === 'full' ? 'a whole GPU' : `MIG slice ${p.profile}`;
  const room = p.forYou.canGet > 0 ? `${p.free} free` : p.free > 0 ? 'over your quota' : 'none free: queue';
  return { value: p.kind === 'full' ? WHOLE : p.profile, label: `${what} (${room})` };
}

/** Ask what the flags left open; returns the name and the flags to deploy with. */
export async function guideDeploy(
  ctx: Ctx,
  name: string | undefined,
  o: DeployFlags,
): Promise<{ name: string; flags: DeployFlags }> {
  const p = paint(ctx.io);
  const explain = (s: string) => ctx.io.err(`\n${p.dim(s)}\n`);
  const flags: DeployFlags = { ...o };
  if (!name) {
    explain(DEPLOY_HELP.name);
    name = await input('Container (and project) name', {
      flags: 'give the name: `container-deploy NAME`',
      validate: (v) => nameProblem(v) ?? true,
    });
  }
  if (!flags.image && !flags.framework) {
    explain(DEPLOY_HELP.image);
    const [mine, bases] = await Promise.all([listImages(ctx.client), baseImages(ctx.client)]);
    const own = mine.find((i) => i.name === name);
    const picked = await select(
      'Image',
      [
        ...mine.map((i) => ({ value: `image:${i.ref}`, label: `${i.ref} — yours` })),
        ...bases.map((b) => ({ value: `framework:${b.name}`, label: `${b.name} — ${b.description}` })),
      ],
      {
        default: own ? `image:${own.ref}` : bases[0] ? `framework:${bases[0].name}` : undefined,
        flags: 'pass --image IMAGE or --framework NAME',
      },
    );
    if (picked.startsWith('image:')) flags.image = picked.slice(6);
    else flags.framework = picked.slice(10);
  }
  if (flags.gpus === undefined && flags.mig === undefined && !flags.cpuOnly) {
    explain(DEPLOY_HELP.gpu);
    const avail = await gpuAvailability(ctx.client);
    const choices = [...avail.profiles.map(slotChoice), { value: CPU, label: 'no GPU (CPU only)' }];
    const fits = avail.profiles.filter((q) => q.forYou.canGet > 0);
    // The smallest slot the user can have now, as on a busy shared server.
    const smallest = [...fits].sort((a, b) => a.gpuEquivalents - b.gpuEquivalents)[0];
    const gpu = await select('GPU', choices, {
      default: smallest ? slotChoice(smallest).value : choices[0]?.value,
      flags: 'pass --gpus N, --mig PROFILE or --cpu-only',
    });
    if (gpu === CPU) flags.cpuOnly = true;
    else if (gpu === WHOLE) flags.gpus = '1';
    else flags.mig = gpu;
    const kind = avail.profiles.find((q) => (gpu === WHOLE ? q.kind === 'full' : q.profile === gpu));
    if (kind && kind.forYou.canGet === 0 && flags.queue === undefined) {
      explain(DEPLOY_HELP.queue);
      flags.queue =
        (await select(
          'None free now',
          [
            { value: 'queue', label: 'wait in the queue (it deploys by itself)' },
            { value: 'fail', label: 'do not wait' },
          ],
          { default: 'fail', flags: 'pass --queue or --no-queue' },
        )) === 'queue';
    }
  }
  if (!flags.background && !flags.open) explain(DEPLOY_HELP.open);
  return { name, flags };
}

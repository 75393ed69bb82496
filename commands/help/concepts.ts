// `ds01 help concepts`: the ideas behind the commands, in plain words, for a student meeting ds01 for
// the first time. Each topic is short enough to read at a prompt; the policy key that sets each number
// is named so an admin can point at it.
import { type Io, prose } from '../lib/output.js';

export const CONCEPTS: { title: string; text: string }[] = [
  {
    title: 'Containers and your workspace',
    text: `A container is your own Linux machine on this server: it runs as you, sees ~/workspace/NAME at
/workspace, and has the GPU you were given. Retiring or removing a container never touches the
workspace: your files stay. Start with \`container-deploy NAME\`; \`container-list\` shows yours.`,
  },
  {
    title: 'GPU slots',
    text: `A slot is the unit of GPU you get: a whole GPU, or one MIG slice of a GPU. \`ds01 gpu\` lists every
slot and who holds it; \`gpu-avail\` shows what is free now. Your limits say how many slots (and how
many GPU-equivalents: a whole GPU is 1.0, a slice a fraction of it) you may hold at once.`,
  },
  {
    title: 'MIG (Multi-Instance GPU)',
    text: `Big GPUs (A100, H100, …) can be cut into isolated slices, e.g. 1g.10gb = one seventh of the compute
and 10 GB of memory. A slice behaves like a small GPU of its own: others on the same card cannot
slow it down or see its memory. Ask for one with \`--mig 1g.10gb\`; most courses need no more.`,
  },
  {
    title: 'Quotas and limits',
    text: `Each user gets limits from the admins' policy: GPU slots, CPUs, memory, how many containers, how
long one may run (max_runtime), disk space for ~/workspace and your images. \`check-limits\` shows yours,
where each comes from, and your use against it. Over a limit, ds01 refuses at once and says what to free.
Disk is measured every half hour or so: \`ds01 quota\` shows it (\`--refresh\` measures now); you are
warned at 80%, and over the quota new deploys and builds wait until you delete something.`,
  },
  {
    title: 'Holds',
    text: `When a container stops, it keeps its GPU for a while (gpu_hold_after_stop) so that you can start it
again without losing your place. After that the slot is released; if others are queued, held slots
are released first. \`container-retire\` frees the GPU at once.`,
  },
  {
    title: 'Idle containers',
    text: `A container that uses neither its GPU nor its CPU nor the network, with nobody attached, for longer
than idle_timeout is idle: you are warned (terminal, \`ds01 notices\`) and then it is stopped, so
that others can use the GPU. \`container-why NAME\` shows its activity and the next deadline;
\`container-extend NAME\` pushes back max_runtime; \`container-pause NAME\` freezes it for a break
(it keeps its GPU, and is stopped only if paused longer than max_pause).`,
  },
  {
    title: 'The queue',
    text: `When no slot is free, \`container-deploy NAME --queue\` (or \`ds01 job submit\`) waits in line and
starts by itself when a slot frees up; you are told when it does. \`gpu-queue\` shows your place and
the expected wait. Order: priority of your group, then who used least lately, then arrival.`,
  },
  {
    title: 'Images',
    text: `An image is the software a container starts from. \`image-create NAME\` writes a Dockerfile for you
step by step (framework, Jupyter, packages) and builds it; \`image-update NAME --add PKG\` adds
packages. \`image-delete\` the ones you no longer use: they take disk space on a shared server.`,
  },
];

/** Each paragraph flowed to the terminal's width (one line each on a pipe). */
export function conceptsText(io: Pick<Io, 'isTTY' | 'wide' | 'columns'>): string {
  return CONCEPTS.map((c) => `${c.title}\n${prose(io, `  ${c.text.replace(/\s*\n\s*/g, ' ')}`)}`).join('\n');
}

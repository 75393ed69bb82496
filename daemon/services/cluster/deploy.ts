// `container-deploy NAME --slurm` (docs/cluster.md, "Interactive allocations"): an allocation Slurm
// places on any node, held by a batch job whose container only waits. It is a ds01 Slurm job like any
// other (sbatch as the user, the node's prolog makes the container on the GPUs Slurm assigned, identity
// checked with Slurm), named `interactive-NAME`, with the time limit of `--time` capped by max_runtime.
// The user works in it through the node (`ssh NODE` then `container-open slurm-ID`); retiring it is the
// user's own scancel, after which the node's epilog stops the container with the reason. The allocation
// ending any other way (time limit, an admin's scancel) stops it the same way.
import type { SlurmDeployRequest, SlurmDeployResult } from '../../api/types/cluster.js';
import type { JobSubmitRequest, JobView } from '../../api/types/jobs.js';
import { Ds01Error, notFound } from '../../errors.js';
import type { Caller } from '../../identity/caller.js';
import { isFinal } from '../../jobs/states.js';
import type { SlurmJobs } from './submit.js';

/** The container's command: wait until stopped (busybox has no `sleep infinity`). */
export const HOLD_COMMAND = [
  '/bin/sh',
  '-c',
  'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done',
];
const PREFIX = 'interactive-';
const START_WAIT_MS = 90_000;
const POLL_MS = 1_000;

export const interactiveName = (name: string) => `${PREFIX}${name}`;

export interface SlurmDeploysDeps {
  jobs: Pick<SlurmJobs, 'submit' | 'show' | 'list' | 'cancel'>;
  clock: { now(): number };
}

/** How to reach the container on its node (the login node's ssh takes the user there). */
function reach(node: string, container: string): string[] {
  return [
    `ssh -t ${node} ds01 container-open ${container}`,
    `ssh -t ${node} ds01 container-attach ${container}`,
  ];
}

export class SlurmDeploys {
  constructor(private readonly d: SlurmDeploysDeps) {}

  async deploy(caller: Caller, req: SlurmDeployRequest, signal: AbortSignal): Promise<SlurmDeployResult> {
    const mine = await this.d.jobs.list(caller, {});
    const live = mine.find((j) => j.name === interactiveName(req.name) && !isFinal(j.state));
    if (live)
      throw new Ds01Error(
        'CONFLICT',
        `you already have an interactive allocation "${req.name}" (Slurm job ${live.id}, ${live.slurm?.state ?? live.state})`,
        `retire it first: container-retire ${req.name} --slurm`,
      );
    const job: JobSubmitRequest = {
      name: interactiveName(req.name),
      project: req.name,
      command: HOLD_COMMAND,
      ...(req.image ? { image: req.image } : {}),
      ...(req.mig ? { mig: req.mig } : req.gpus === 0 ? { cpuOnly: true } : { gpus: req.gpus ?? 1 }),
      ...(req.time ? { time: req.time } : {}),
    };
    const submitted = await this.d.jobs.submit(caller, job);
    const sid = submitted.job.id;
    const until = this.d.clock.now() + START_WAIT_MS;
    let view: JobView = submitted.job;
    // Wait for Slurm to place it (a pending one is left in Slurm's queue: it starts by itself).
    while (!['running'].includes(view.state) && !isFinal(view.state) && this.d.clock.now() < until) {
      if (signal.aborted) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
      view = await this.d.jobs.show(caller, sid).catch(() => view);
    }
    const node = view.state === 'running' ? (view.slurm?.node ?? null) : null;
    const container = `slurm-${sid}`;
    const notes = [...submitted.notes];
    if (isFinal(view.state))
      throw new Ds01Error(
        'CONFLICT',
        `Slurm job ${sid} ended before it started: ${view.slurm?.state ?? view.state}${view.reason ? ` (${view.reason})` : ''}`,
        'see `ds01 job show ' + sid + '`',
      );
    if (!node)
      notes.push(
        `Slurm job ${sid} waits (${view.reason ?? view.slurm?.state ?? 'pending'}); it starts by itself — see \`ds01 job list\``,
      );
    return { job: view, node, container, reach: node ? reach(node, container) : [], notes };
  }

  /** The caller's own interactive allocation NAME, ended with their scancel. */
  async retire(caller: Caller, name: string): Promise<JobView> {
    const mine = await this.d.jobs.list(caller, {});
    const live = mine.filter(
      (j) => j.ownerUid === caller.uid && j.name === interactiveName(name) && !isFinal(j.state),
    );
    const job = live[live.length - 1];
    if (!job) throw notFound(`an interactive allocation "${name}" of yours`, 'see them with `ds01 job list`');
    return this.d.jobs.cancel(caller, job.id);
  }
}

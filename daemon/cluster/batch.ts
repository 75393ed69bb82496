// Pure: the sbatch arguments and the batch script of a ds01 job under Slurm (docs/cluster.md). The script
// carries the validated ds01 request as one base64 line (read back by the node's ds01d in the prolog) and
// runs `ds01 job slurm-wait` against the node's ds01d; it ends with the container's exit code. Every value
// written into the script is either base64, a number, or an admin setting whose schema allows no shell
// syntax (settings.ts), so nothing a user typed is ever read by a shell here.
import type { JobSubmitRequest } from '../api/types/jobs.js';
import { REQUEST_MARK } from './slurm-text.js';

export interface BatchOptions {
  /** The ds01 CLI on a node, e.g. `ds01` or `/usr/bin/node /opt/ds01/dist/commands/bin/ds01.js`. */
  ds01Command: string;
  /** A node's ds01d socket; `{node}` = the node's name. */
  nodeSocket: string;
  graceSec: number;
}

/** `--gres` for the request: a MIG profile by type, N slots of any kind untyped, none for CPU only. */
export function gresOption(req: Pick<JobSubmitRequest, 'mig' | 'gpus' | 'cpuOnly'>): string | null {
  if (req.cpuOnly || req.gpus === 0) return null;
  if (req.mig) return `gpu:${req.mig}:1`;
  return `gpu:${req.gpus ?? 1}`;
}

export function sbatchArgs(opts: {
  req: JobSubmitRequest;
  name: string;
  timeLimitMs: number | null;
  home: string;
  outputPath: string;
}): string[] {
  const gres = gresOption(opts.req);
  return [
    '--parsable',
    `--job-name=${opts.name}`,
    '--nodes=1',
    '--ntasks=1',
    ...(gres ? [`--gres=${gres}`] : []),
    ...(opts.timeLimitMs === null ? [] : [`--time=${Math.max(1, Math.ceil(opts.timeLimitMs / 60_000))}`]),
    `--chdir=${opts.home}`,
    `--output=${opts.outputPath}`,
  ];
}

export function batchScript(req: JobSubmitRequest, o: BatchOptions): string {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's variable, written into the script
  const socket = o.nodeSocket.split('{node}').join('${SLURMD_NODENAME}');
  const request = Buffer.from(JSON.stringify(req), 'utf8').toString('base64');
  return [
    '#!/bin/sh',
    "# A ds01 job (docs/cluster.md): the node's ds01d started its container in Slurm's prolog, on the",
    '# GPUs Slurm assigned; this step waits for it and ends with its exit code.',
    `${REQUEST_MARK}${request}`,
    `DS01_SOCKET="${socket}"`,
    'export DS01_SOCKET',
    `exec ${o.ds01Command} job slurm-wait --grace ${o.graceSec} "$SLURM_JOB_ID"`,
    '',
  ].join('\n');
}

// The `ds01 container <verb>` commands (and their container-<verb> program names, see ALIASES in names.ts).
import type { Command } from 'commander';
import type { Ctx } from '../lib/context.js';
import { runContainerCreate } from './container-create.js';
import { runContainerDeploy } from './container-deploy.js';
import { runContainerLogs } from './container-logs.js';
import { runContainerOpen, runContainerRun } from './container-open.js';
import { runContainerPause } from './container-pause.js';
import { runContainerRemove } from './container-remove.js';
import { runContainerRetire } from './container-retire.js';
import { runSlurmDeploy, runSlurmRetire } from './container-slurm.js';
import { runContainerStart } from './container-start.js';
import { runContainerStats } from './container-stats.js';
import { runContainerStop } from './container-stop.js';

type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

const collect = (v: string, prev: string[] = []) => [...prev, v];

function createFlags(c: Command): Command {
  return c
    .option('--image <image>', 'an image on this server (see image-list)')
    .option('--framework <name>', "a framework from the policy's image catalogue")
    .option('--gpus <n>', 'number of GPU slots (default 1)')
    .option('--mig <profile>', 'one MIG slot of this profile, e.g. 1g.10gb')
    .option('--cpu-only', 'no GPU')
    .option('--booking <id>', 'use the slots of this booking of yours (in its window; see `ds01 book list`)')
    .option('--accept-deadline', 'take a slot booked by someone later: warned, then stopped when that starts')
    .option('-e, --env <NAME=VALUE>', 'an environment variable (repeatable)', collect)
    .option('--dry-run', 'check and show what would happen; change nothing')
    .option('--json', 'machine-readable output');
}

export function addContainerCommands(container: Command, ctx: Ctx, act: Act, signal?: AbortSignal): void {
  createFlags(container.command('create [name]').description('create a container (not started)')).action(
    act((name: string | undefined, o) => runContainerCreate(ctx, name, o)),
  );
  createFlags(
    container
      .command('deploy [name]')
      .description('create and start a container with a GPU (and open a shell with --open)'),
  )
    .option('--background', 'leave it running in the background')
    .option('--open', 'open a shell in it when it is up')
    .option('--queue', 'if no GPU is free, wait in the queue (it deploys by itself)')
    .option('--no-queue', 'if no GPU is free, fail (default)')
    .option('-y, --yes', 'no questions: defaults for anything not given')
    .option('--guided', 'ask for what is not given (image, GPU, queue), explaining each choice')
    .option('--slurm', 'on a Slurm cluster: an allocation on whichever node Slurm picks')
    .option('--time <duration>', 'with --slurm: how long to keep it (e.g. 4h; capped by max_runtime)')
    .action(
      act((name: string | undefined, o) =>
        o.slurm ? runSlurmDeploy(ctx, name, o) : runContainerDeploy(ctx, name, o),
      ),
    );
  container
    .command('start [name]')
    .description('start a stopped container')
    .option('--json', 'machine-readable output')
    .action(act((name: string | undefined, o) => runContainerStart(ctx, name, o)));
  container
    .command('open [name] [cmd...]')
    .description('a shell in a running container (or run CMD after --)')
    .action(act((name: string | undefined, cmd: string[]) => runContainerOpen(ctx, name, cmd ?? [])));
  container
    .command('run [name] [cmd...]')
    .description('start the container if needed, then open a shell (or run CMD after --)')
    .action(act((name: string | undefined, cmd: string[]) => runContainerRun(ctx, name, cmd ?? [])));
  container
    .command('stop [name]')
    .description('stop a container (its GPU is held for a while, then released)')
    .option('-t, --timeout <seconds>', 'grace period before it is killed (default 10)')
    .option('-f, --force', 'kill it at once')
    .option('--json', 'machine-readable output')
    .action(act((name: string | undefined, o) => runContainerStop(ctx, name, o)));
  for (const pause of [true, false])
    container
      .command(`${pause ? 'pause' : 'unpause'} [name]`)
      .description(
        pause
          ? 'freeze a running container for a break: it keeps its GPU, is not stopped as idle, but is stopped after max_pause'
          : 'let a paused container run again',
      )
      .option('--json', 'machine-readable output')
      .action(act((name: string | undefined, o) => runContainerPause(ctx, name, pause, o)));
  container
    .command('remove [name]')
    .alias('rm')
    .description('remove a container (the workspace is kept)')
    .option('-f, --force', 'remove even if running')
    .option('-y, --yes', 'do not ask')
    .option('--json', 'machine-readable output')
    .action(act((name: string | undefined, o) => runContainerRemove(ctx, name, o)));
  container
    .command('retire [name]')
    .description('stop, remove and free the GPU at once (the workspace is kept)')
    .option('-f, --force', 'kill instead of a graceful stop')
    .option('--dry-run', 'show what would be freed; change nothing')
    .option('-y, --yes', 'do not ask')
    .option('--json', 'machine-readable output')
    .option('--slurm', 'end your Slurm allocation of this name (container-deploy --slurm)')
    .action(
      act((name: string | undefined, o) =>
        o.slurm ? runSlurmRetire(ctx, name, o) : runContainerRetire(ctx, name, o),
      ),
    );
  container
    .command('stats [name]')
    .description('CPU, memory, network, block IO, pids and GPU of a container')
    .option('-w, --watch', 'keep updating')
    .option('--json', 'JSON (one object per line with --watch)')
    .action(act((name: string | undefined, o) => runContainerStats(ctx, name, o, signal)));
  container
    .command('logs [name]')
    .description("a container's output")
    .option('-f, --follow', 'keep printing new output')
    .option('-n, --tail <lines>', 'only the last lines')
    .option('--json', 'one {"stream","line"} JSON object per line (stdout and stderr both on stdout)')
    .action(act((name: string | undefined, o) => runContainerLogs(ctx, name, o, signal)));
}

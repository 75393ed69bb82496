// `ds01 cluster …` (a Slurm cluster, docs/cluster.md) and the batch step `ds01 job slurm-wait`.
import type { Command } from 'commander';
import {
  type RenderFlags,
  runClusterCheck,
  runClusterProbe,
  runRenderSlurm,
  runSlurmEpilog,
  runSlurmProlog,
} from './admin/cluster.js';
import { adminOnly } from './admin-cli.js';
import type { Ctx } from './lib/context.js';
import { runSlurmWait } from './user/job-slurm.js';

type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

const collect = (v: string, acc: string[]) => [...acc, v];

export function addClusterCommands(program: Command, ctx: Ctx, act: Act, signal?: AbortSignal): void {
  const cluster = program
    .command('cluster')
    .description('a Slurm cluster: Slurm places jobs across nodes, each node’s ds01d runs them (admins)');
  cluster
    .command('probe')
    .description('this node’s GPU and MIG slots as JSON, for render-slurm on another machine')
    .option('--json', 'machine-readable output (always JSON)')
    .action(act(adminOnly('ds01 cluster probe', () => runClusterProbe(ctx))));
  cluster
    .command('render-slurm')
    .description('the slurm.conf lines, gres.conf and sacctmgr commands that enforce the policy')
    .option(
      '--probe <file>',
      'a node’s `ds01 cluster probe` output (repeat; default: this node)',
      collect,
      [],
    )
    .option('--cluster <name>', 'Slurm ClusterName (default ds01)')
    .option(
      '--device-dir <dir>',
      'where the per-slot placeholder files live on nodes (default /dev/ds01-gres)',
    )
    .option('--prolog <path>', 'the Prolog script on nodes (runs `ds01 cluster prolog`)')
    .option('--epilog <path>', 'the Epilog script on nodes (runs `ds01 cluster epilog`)')
    .option('--out <dir>', 'write slurm.conf.ds01, gres.conf and sacctmgr.sh there instead of stdout')
    .option('--json', 'machine-readable output')
    .action(act(adminOnly('ds01 cluster render-slurm', (o: RenderFlags) => runRenderSlurm(ctx, o))));
  cluster
    .command('check')
    .description('compare the running Slurm’s QOS and this node’s GRES with the policy (exit 1 on drift)')
    .option('--json', 'machine-readable output')
    .action(act(adminOnly('ds01 cluster check', (o: { json?: boolean }) => runClusterCheck(ctx, o))));
  cluster
    .command('prolog')
    .description('Slurm’s Prolog on a node (root): start the job’s container on the GPUs Slurm assigned')
    .action(act(adminOnly('ds01 cluster prolog', () => runSlurmProlog(ctx))));
  cluster
    .command('epilog')
    .description('Slurm’s Epilog on a node (root): stop the job’s container if it still runs')
    .action(act(adminOnly('ds01 cluster epilog', () => runSlurmEpilog(ctx))));
  const job = program.commands.find((c) => c.name() === 'job');
  (job ?? program)
    .command('slurm-wait <slurm-job-id>')
    .description('a Slurm job’s batch step: wait for its container on this node; exit with its code')
    .option('--grace <seconds>', 'how long ds01d may be unreachable before the job fails', '60')
    .action(act((sid: string, o: { grace?: string }) => runSlurmWait(ctx, sid, o, signal)));
}

// `ds01 job …` (also `job-submit`, `job-list`, …): batch jobs, registered on the command tree by cli.ts.
import type { Command } from 'commander';
import type { Ctx } from './lib/context.js';
import {
  runJobCancel,
  runJobList,
  runJobLogs,
  runJobShow,
  runJobSubmit,
  runJobWait,
  type SubmitFlags,
} from './user/job.js';

type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;
type Json = { json?: boolean };

const collect = (v: string, acc: string[]) => [...acc, v];

export function addJobCommands(program: Command, ctx: Ctx, act: Act, signal?: AbortSignal): void {
  const job = program
    .command('job')
    .description('batch jobs: run a command unattended with a GPU, queued when none is free (like sbatch)');
  job
    .command('submit')
    .description(
      'run COMMAND in a container of yours; prints the job id (logs: ~/workspace/PROJECT/.ds01/jobs/ID.log)',
    )
    .argument('<command...>', 'the command and its arguments, after --')
    .option('--name <name>', 'a label for `job list` (default: the command)')
    .option(
      '--image <image>',
      'image to run (default: your PROJECT image if built, else the first catalogue image)',
    )
    .option('--project <project>', 'workspace ~/workspace/PROJECT at /workspace (default: jobs)')
    .option('--gpus <n>', 'GPU slots (default 1)')
    .option('--mig <profile>', 'one MIG slot of this profile, e.g. 1g.10gb')
    .option('--cpu-only', 'no GPU')
    .option('--time <duration>', 'wall time, e.g. 30m, 6h (capped by your max_runtime)')
    .option('--workdir <dir>', 'working directory (relative = under /workspace)')
    .option('--env <NAME=value>', 'environment variable (repeat for more)', collect, [])
    .option('--after <jobid>', 'start only after this job completed successfully (afterok)')
    .option('--json', 'machine-readable output')
    .action(act((command: string[], o: SubmitFlags) => runJobSubmit(ctx, command, o)));
  job
    .command('list', { isDefault: true })
    .alias('ls')
    .description('your jobs: state, queue position, runtime, exit code (admins: everyone’s)')
    .option('-a, --all', 'include jobs that ended more than a day ago')
    .option('--json', 'machine-readable output')
    .action(act((o: { all?: boolean; json?: boolean }) => runJobList(ctx, o)));
  job
    .command('show <id>')
    .description('one job in full')
    .option('--json', 'machine-readable output')
    .action(act((id: string, o: Json) => runJobShow(ctx, id, o)));
  job
    .command('cancel <id>')
    .description('cancel a job: leaves the queue, or is stopped (SIGTERM, then SIGKILL after 10 s)')
    .option('--reason <text>', 'admins: why (the owner sees it)')
    .option('--json', 'machine-readable output')
    .action(act((id: string, o: { reason?: string; json?: boolean }) => runJobCancel(ctx, id, o)));
  job
    .command('wait <id>')
    .description("wait for a job to end; exits with the job's exit code")
    .option('--json', 'machine-readable output')
    .action(act((id: string, o: Json) => runJobWait(ctx, id, o, signal)));
  job
    .command('logs <id>')
    .description("print a job's output (stdout and stderr)")
    .option('-f, --follow', 'keep printing until the job ends')
    .option('--json', 'one {"job","line"} JSON object per line of output')
    .option('--admin', "admins: read another user's job log, read by ds01d as its owner (audited)")
    .action(
      act((id: string, o: { follow?: boolean; json?: boolean; admin?: boolean }) =>
        runJobLogs(ctx, id, o, signal),
      ),
    );
}

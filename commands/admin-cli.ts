// `ds01 dashboard` (ds01-dashboard), `ds01 usage`, `ds01 doctor` and the `ds01 admin …` verbs of issue 9.
// Admin verbs reuse the GPU and policy commands where they exist (drain, release, config check/reload).
import type { Command } from 'commander';
import { runConfigCheck, runConfigReload } from './admin/config.js';
import { runDoctor } from './admin/doctor.js';
import { runGpuDrain, runGpuRelease } from './admin/gpu.js';
import { runMigApply, runMigCancel, runMigPlan, runMigStatus } from './admin/mig.js';
import {
  runAdminContainers,
  runAdminEvents,
  runAdminRetire,
  runAdminStop,
  runAdminUsers,
} from './admin/ops.js';
import { runAdminReport } from './admin/report.js';
import { ApiError } from './lib/client.js';
import type { Ctx } from './lib/context.js';
import { runDashboard } from './user/dashboard.js';
import type { EventsOpts } from './user/events.js';
import { runUsage } from './user/usage.js';

type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;
type Json = { json?: boolean };
type Reason = { reason?: string; force?: boolean; timeout?: string; json?: boolean };

/** The daemon's refusal, said in terms of the command the user typed. */
export function adminOnly<A extends unknown[]>(command: string, fn: (...args: A) => Promise<number>) {
  return async (...args: A): Promise<number> => {
    try {
      return await fn(...args);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'FORBIDDEN' && /is for ds01 admins/.test(err.message)) {
        throw new ApiError(
          'FORBIDDEN',
          `\`${command}\` is for ds01 admins (root, admin.users or the admin.group of the policy); you are not one`,
          err.status,
          'ask an admin; `ds01 whoami` shows whether the daemon sees you as one',
        );
      }
      throw err;
    }
  };
}

const group = (program: Command, name: string, description: string) =>
  program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);

export function addAdminCommands(program: Command, ctx: Ctx, act: Act, signal?: AbortSignal): void {
  program
    .command('dashboard')
    .description('every GPU and MIG slot, the queue, usage against quota and recent events on one screen')
    .option('-w, --watch', 'refresh in place until Ctrl-C')
    .option('-n, --interval <seconds>', 'seconds between refreshes with --watch', '2')
    .option('--json', 'the same data as JSON (with --watch: one snapshot per line)')
    .action(act((o) => runDashboard(ctx, o, signal)));
  program
    .command('usage')
    .description(
      'GPU-hours allocated and busy, idle waste and queue waits over a period (yours; admins: all)',
    )
    .option('--from <when>', 'start: ISO date/time or a duration ago (7d, 12h); default 30d')
    .option('--to <when>', 'end: ISO date/time, a duration ago, or now (default)')
    .option('--by <user|group>', 'one row per user (default) or per policy group (admins)')
    .option('--jobs', 'GPU-hours by batch job instead (yours; admins: all)')
    .option('--json', 'machine-readable output (always includes the jobs)')
    .option('--csv', 'CSV for spreadsheets')
    .action(act((o) => runUsage(ctx, o)));
  program
    .command('doctor')
    .description(
      'admins: check Docker, the NVIDIA hook, nvidia-smi, MIG layout, slices, database, socket (exit 1 on a failure)',
    )
    .option('--json', 'machine-readable output')
    .action(act(adminOnly('ds01 doctor', (o: Json) => runDoctor(ctx, o))));

  const admin = group(program, 'admin', 'admin actions');
  admin
    .command('containers')
    .description("every user's containers")
    .option('--json', 'machine-readable output')
    .action(act(adminOnly('ds01 admin containers', (o: Json) => runAdminContainers(ctx, o))));
  admin
    .command('stop <container>')
    .description("stop anyone's container (id or full name <name>._.<uid>); the owner is told why")
    .requiredOption('--reason <text>', 'why (the owner sees it; kept in the audit log)')
    .option('--force', 'kill at once')
    .option('--timeout <seconds>', 'seconds between SIGTERM and SIGKILL')
    .option('--json', 'machine-readable output')
    .action(act(adminOnly('ds01 admin stop', (ref: string, o: Reason) => runAdminStop(ctx, ref, o))));
  admin
    .command('retire <container>')
    .description("stop, remove and release anyone's container (workspace kept); the owner is told why")
    .requiredOption('--reason <text>', 'why (the owner sees it; kept in the audit log)')
    .option('--force', 'kill at once')
    .option('--json', 'machine-readable output')
    .action(act(adminOnly('ds01 admin retire', (ref: string, o: Reason) => runAdminRetire(ctx, ref, o))));
  admin
    .command('release <slot>')
    .description('take a GPU slot back from its holder (the container keeps running without it)')
    .requiredOption('--reason <text>', 'why (shown to the holder)')
    .option('--json', 'machine-readable output')
    .action(act(adminOnly('ds01 admin release', (slot: string, o: Reason) => runGpuRelease(ctx, slot, o))));
  for (const drain of [true, false]) {
    admin
      .command(`${drain ? 'drain' : 'undrain'} <gpu-or-slot>`)
      .description(
        drain ? 'hand out no new allocations on a GPU or slot' : 'hand a drained GPU or slot out again',
      )
      .requiredOption('--reason <text>', 'why (shown to users, kept in the audit log)')
      .option('--json', 'machine-readable output')
      .action(
        act(
          adminOnly(`ds01 admin ${drain ? 'drain' : 'undrain'}`, (ref: string, o: Reason) =>
            runGpuDrain(ctx, ref, drain, o),
          ),
        ),
      );
  }
  const mig = admin
    .command('mig')
    .description('re-partition MIG GPUs to the policy (gpu_allocation.layout), safely and resumably');
  mig
    .command('plan')
    .description('per GPU: the layout now, the desired one, whether it is valid, who would be stopped')
    .option('--json', 'machine-readable output')
    .action(act(adminOnly('ds01 admin mig plan', (o: Json) => runMigPlan(ctx, o))));
  const gpuOpt = (v: string, prev: string[] = []) => [...prev, v];
  mig
    .command('apply')
    .description('drain, warn holders, stop them at the deadline (workspaces kept), re-partition, verify')
    .option('--gpu <n>', 'only this GPU (repeat, or 0,1); default: every GPU the plan changes', gpuOpt)
    .option('--at <time>', 'stop holders still on affected slices at this time (ISO, with zone)')
    .option('--drain-deadline <duration>', 'or this long from now: 2h, 30m, 0 (default 1h)')
    .option('--force', 'go ahead although booked slots are destroyed: cancels those bookings, owners told')
    .option('-y, --yes', 'do not ask')
    .option('--json', 'machine-readable output')
    .action(act(adminOnly('ds01 admin mig apply', (o) => runMigApply(ctx, o))));
  mig
    .command('status')
    .description('MIG changes in progress, failed (GPU still drained) and recent, with their steps')
    .option('--json', 'machine-readable output (every step)')
    .action(act(adminOnly('ds01 admin mig status', (o: Json) => runMigStatus(ctx, o))));
  mig
    .command('cancel')
    .description('end an unfinished change: undrain the GPU with the layout it has now')
    .option('--gpu <n>', 'the GPU (repeat for several)', gpuOpt)
    .option('--json', 'machine-readable output')
    .action(act(adminOnly('ds01 admin mig cancel', (o) => runMigCancel(ctx, o))));
  const policy = admin.command('policy').description('the policy file');
  policy
    .command('check [file]')
    .description('validate a resource-limits.yaml with the daemon’s rules (exit 1 on error)')
    .option('--json', 'machine-readable output')
    .action(
      act(
        adminOnly('ds01 admin policy check', (file: string | undefined, o: Json) =>
          runConfigCheck(ctx, file, o),
        ),
      ),
    );
  policy
    .command('reload')
    .description('reload the policy now')
    .option('--json', 'machine-readable output')
    .action(act(adminOnly('ds01 admin policy reload', (o: Json) => runConfigReload(ctx, o))));
  admin
    .command('events')
    .description('the whole audit log, filtered')
    .option('-f, --follow', 'keep printing new events')
    .option('--json', 'JSON (one object per line with --follow)')
    .option('--user <user>', 'only events about this user')
    .option('--container <name>', 'only this container (id or name)')
    .option('--kind <kind>', 'only this kind, or a prefix ending in "." (lifecycle.)')
    .option('--since <when>', 'ISO time or a duration ago (30m, 2h, 7d)')
    .option('--until <when>', 'ISO time or a duration ago')
    .option('--limit <n>', 'at most this many (newest)', '200')
    .action(act(adminOnly('ds01 admin events', (o: EventsOpts) => runAdminEvents(ctx, o, signal))));
  admin
    .command('report')
    .description(
      'a month per user and group: GPU-hours allocated, busy and idle, jobs, queue waits, top idle',
    )
    .option('--month <YYYY-MM>', 'the calendar month (UTC), e.g. 2026-10')
    .option('--json', 'machine-readable output')
    .option('--csv', 'CSV for spreadsheets (a row per user, then per group)')
    .action(act(adminOnly('ds01 admin report', (o) => runAdminReport(ctx, o))));
  admin
    .command('users')
    .description('who has what (containers, GPU slots, queue places) and when each was last active')
    .option(
      '--inactive <age>',
      'only accounts with no ds01 activity for this long (90d), or ever, with their workspace sizes',
    )
    .option('--json', 'machine-readable output')
    .action(act(adminOnly('ds01 admin users', (o: Json & { inactive?: string }) => runAdminUsers(ctx, o))));
  admin
    .command('doctor')
    .description('same as `ds01 doctor`')
    .option('--json', 'machine-readable output')
    .action(act(adminOnly('ds01 admin doctor', (o: Json) => runDoctor(ctx, o))));
}

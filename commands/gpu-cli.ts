// `ds01 gpu …` and `ds01 queue …` (also `gpu-queue`, `gpu-avail`): registered on the command tree by cli.ts.
import type { Command } from 'commander';
import { runGpuDrain, runGpuRefresh, runGpuRelease } from './admin/gpu.js';
import { withLeafFlags } from './leaves.js';
import type { Ctx } from './lib/context.js';
import { runAvailAt } from './user/book.js';
import { runGpuAvail, runGpuList } from './user/gpu-list.js';
import { runGpuTest } from './user/gpu-test.js';
import { runQueueLeave, runQueueList } from './user/queue.js';

type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;
type Json = { json?: boolean };
type Reason = { reason?: string; json?: boolean };

export function addGpuCommands(program: Command, ctx: Ctx, act: Act): void {
  const gpu = program
    .command('gpu')
    .description('GPU slots: who holds what, what is free; admin drain/release');
  withLeafFlags(
    gpu
      .command('list', { isDefault: true })
      .alias('ls')
      .description('every GPU slot (MIG profile, state, holder: yours / taken; admins see names)'),
    'gpu list',
  ).action(act((o: Json) => runGpuList(ctx, o)));
  gpu
    .command('avail')
    .description('what is free now per profile, and when the next slot should free up')
    .option('--at <time>', 'what is booked and bookable then: "tomorrow 09:00", "fri 14:00"')
    .option('--json', 'machine-readable output')
    .action(
      act((o: Json & { at?: string }) => (o.at ? runAvailAt(ctx, { ...o, at: o.at }) : runGpuAvail(ctx, o))),
    );
  for (const drain of [true, false]) {
    gpu
      .command(`${drain ? 'drain' : 'undrain'} <gpu-or-slot>`)
      .description(
        drain
          ? 'admins: stop handing out a GPU (index or GPU-… UUID: all its slots) or one slot; holders keep theirs and are told'
          : 'admins: hand a drained GPU or slot out again (serves the queue)',
      )
      .requiredOption('--reason <text>', 'why (shown to users, kept in the audit log)')
      .option('--json', 'machine-readable output')
      .action(act((ref: string, o: Reason) => runGpuDrain(ctx, ref, drain, o)));
  }
  gpu
    .command('release <slot>')
    .description(
      "admins: take a slot back from its holder now (the container keeps running, without the slot's claim)",
    )
    .requiredOption('--reason <text>', 'why (shown to the holder, kept in the audit log)')
    .option('--json', 'machine-readable output')
    .action(act((slot: string, o: Reason) => runGpuRelease(ctx, slot, o)));
  gpu
    .command('refresh')
    .description('admins: re-probe nvidia-smi now (missing slots are marked, returned ones come back)')
    .option('--json', 'machine-readable output')
    .action(act((o: Json) => runGpuRefresh(ctx, o)));

  gpu
    .command('test <slot>')
    .description(
      'a short check in a container on a slot you hold (admins: any): device visible, memory, a small kernel',
    )
    .option(
      '--image <ref>',
      'image to run it in (default: the first of the catalogue); CUDA checks need torch',
    )
    .option('--timeout <seconds>', 'stop the check after this long (default 120)')
    .option('--json', 'machine-readable output')
    .action(act((slot: string, o: Json & { image?: string; timeout?: string }) => runGpuTest(ctx, slot, o)));

  const queue = program.command('queue').description('the GPU queue: deploys waiting for a free slot');
  queue
    .command('list', { isDefault: true })
    .alias('ls')
    .description('your queued deploys with position and expected wait (admins: everyone’s)')
    .option('--json', 'machine-readable output')
    .action(act((o: Json) => runQueueList(ctx, o)));
  queue
    .command('leave <id>')
    .description('take your entry out of the queue')
    .option('--json', 'machine-readable output')
    .action(act((id: string, o: Reason) => runQueueLeave(ctx, id, o)));
  queue
    .command('remove <id>')
    .description("admins: remove anyone's entry (the owner sees the reason)")
    .option('--reason <text>', 'why (shown to the owner)')
    .option('--json', 'machine-readable output')
    .action(act((id: string, o: Reason) => runQueueLeave(ctx, id, o)));
}

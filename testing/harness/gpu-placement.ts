// Putting a test's container on one chosen GPU through the real CLI: every other GPU is drained for the
// deploy (by an admin), then undrained. The allocator's own choice is not what these tests are about.
import type { DeployResult, GpuList } from '../../daemon/api/types/index.js';
import type { TestDaemon } from './daemon.js';
import type { TestUser } from './users.js';

/** Deploys `name` for `user` with one whole GPU on GPU `gpu`; returns the slot's UUID. */
export async function deployOnGpu(
  d: TestDaemon,
  opts: { user: TestUser; admin: TestUser; gpu: number; name: string },
): Promise<string> {
  const list = JSON.parse((await d.cli(['gpu', 'list', '--json'], opts.admin)).stdout) as GpuList;
  const others = [...new Set(list.slots.map((s) => s.gpuIndex))].filter((g) => g !== opts.gpu);
  const run = async (args: string[], who: TestUser) => {
    const r = await d.cli(args, who);
    if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  for (const g of others) await run(['gpu', 'drain', String(g), '--reason', 'test placement'], opts.admin);
  const out = await run(
    ['container', 'deploy', opts.name, '--gpus', '1', '--yes', '--background', '--json'],
    opts.user,
  );
  for (const g of others) await run(['gpu', 'undrain', String(g), '--reason', 'done'], opts.admin);
  const uuid = (JSON.parse(out) as DeployResult).container?.gpuSlots[0]?.uuid;
  const on = list.slots.find((s) => s.uuid === uuid)?.gpuIndex;
  if (!uuid || on !== opts.gpu) throw new Error(`deployed on slot ${uuid} of GPU ${on}, not GPU ${opts.gpu}`);
  return uuid;
}

// `ds01 gpu test SLOT`: a short check in a container on a slot (admins: any; users: one they hold). The
// daemon makes the container (devices and NVIDIA variables are its own); this prints what it found.
import type { GpuTestResult } from '../../daemon/api/types/index.js';
import type { Ctx } from '../lib/context.js';
import { testGpu } from '../lib/gpus.js';
import { paint, printJson, prose, table } from '../lib/output.js';

export async function runGpuTest(
  ctx: Ctx,
  slot: string,
  opts: { image?: string; timeout?: string; json?: boolean },
): Promise<number> {
  const timeoutSec = opts.timeout === undefined ? undefined : Number(opts.timeout);
  if (timeoutSec !== undefined && !(Number.isInteger(timeoutSec) && timeoutSec >= 5 && timeoutSec <= 600)) {
    ctx.io.err('ds01: --timeout is whole seconds from 5 to 600, e.g. --timeout 60\n');
    return 2;
  }
  const r: GpuTestResult = await testGpu(ctx.client, slot, {
    ...(opts.image ? { image: opts.image } : {}),
    ...(timeoutSec !== undefined ? { timeoutSec } : {}),
  });
  if (opts.json) {
    printJson(ctx.io, r);
    return r.passed ? 0 : 1;
  }
  const p = paint(ctx.io);
  const status = (s: string) => (s === 'ok' ? p.green(s) : s === 'fail' ? p.red(s) : p.yellow(s));
  ctx.io.out(
    table(
      ['PART', 'RESULT', 'DETAIL'],
      r.parts.map((x) => [x.name, status(x.status), x.detail]),
      ctx.io,
    ),
  );
  const verdict = r.passed ? p.green('passed') : p.red('failed');
  ctx.io.err(
    prose(
      ctx.io,
      `GPU test on ${r.label} in ${r.image}: ${verdict} (${(r.durationMs / 1000).toFixed(1)} s${r.timedOut ? ', timed out' : ''}); the container was removed`,
    ),
  );
  return r.passed ? 0 : 1;
}

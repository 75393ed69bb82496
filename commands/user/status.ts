import type { Ctx } from '../lib/context.js';
import { cpuText, diskNearlyFull, diskText, memoryText } from '../lib/host.js';
import { paint, printJson, prose } from '../lib/output.js';
import { systemInfo } from '../lib/system.js';
import { clock, duration } from '../lib/units.js';

export async function runStatus(ctx: Ctx, opts: { json?: boolean }): Promise<number> {
  const s = await systemInfo(ctx.client);
  if (opts.json) {
    printJson(ctx.io, s);
    return s.docker.reachable && !s.policy.lastError ? 0 : 1;
  }
  const p = paint(ctx.io);
  const ok = (b: boolean) => (b ? p.green('ok') : p.red('PROBLEM'));
  // One call per line of output; long lines wrap under the value column on a terminal.
  const o = (s: string) => ctx.io.out(prose(ctx.io, s.replace(/\n$/, ''), '            '));
  o(`ds01d ${s.version} — up ${duration(s.uptimeSec * 1000)}, socket ${ctx.client.socket}\n`);
  o(
    `docker:     ${ok(s.docker.reachable)} ${s.docker.version ? `(Docker ${s.docker.version})` : (s.docker.error ?? '')}\n`,
  );
  o(
    `policy:     ${ok(!s.policy.lastError)} ${s.policy.file}${s.policy.loadedAt ? `, loaded ${clock(s.policy.loadedAt)}` : ''}\n`,
  );
  if (s.policy.lastError) {
    const on = s.policy.runningOn;
    o(
      p.yellow(
        on
          ? `            the file was invalid when ds01d started; it runs on the last good policy saved ${on.savedAt} (${on.path}):`
          : '            the file on disk is invalid; the daemon keeps serving on the last good policy:',
      ),
    );
    for (const l of s.policy.lastError.split('\n')) o(`            ${l}\n`);
  }
  o(
    `gpus:       ${s.gpus.total} GPU(s), ${s.gpus.slots} slot(s): ${s.gpus.available - s.gpus.allocated} free, ${s.gpus.allocated} allocated${s.gpus.missing ? p.red(`, ${s.gpus.missing} missing`) : ''}\n`,
  );
  o(`containers: ${s.containers.total} (${s.containers.running} running)\n`);
  o(`database:   ${s.database.path} (schema v${s.database.schemaVersion})\n`);
  if (s.host) {
    o(`host:       ${cpuText(s.host)}, ${memoryText(s.host)}\n`);
    const disk = diskText(s.host);
    if (disk) o(`            ${diskNearlyFull(s.host) ? p.yellow(`${disk}: nearly full`) : disk}\n`);
  } else o(`host:       ${p.yellow('could not read CPU, memory and disk (see the ds01d log)')}\n`);
  return s.docker.reachable && !s.policy.lastError ? 0 : 1;
}

// `ds01d --check-config [FILE]`: the daemon's own policy validator, run without a daemon (the CLI falls
// back to it). Kept out of main.ts, which is at its line limit.
import { toPolicyCheck } from '../policy/check.js';
import { loadPolicyFile } from '../policy/load-file.js';

export async function checkConfig(file: string, json: boolean): Promise<number> {
  const r = toPolicyCheck(await loadPolicyFile(file));
  if (json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else {
    if (r.text) process.stdout.write(`${r.text.trimEnd()}\n`);
    process.stderr.write(r.ok ? `${file}: valid\n` : `${file}: invalid\n`);
  }
  return r.ok ? 0 : 1;
}

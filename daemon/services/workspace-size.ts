// The size of a user's ~/workspace, measured by `du` as ds01d (root): physical bytes, this file system
// only (-x), symbolic links never followed (du's default -P, the workspace itself included), hard links
// counted once. One scan at a time for the whole daemon (admin reports and the quota scans share the
// chain), each bounded in time and run at idle CPU and I/O priority, so a scan never slows the machine
// or a request. A failure is null ("not measured"), never an error; a scan that runs out of time gives
// what it finished as a lower bound (`partial`), so a workspace too big to scan still meets its quota.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DuReader, type DuResult } from '../quota/du.js';

const SCAN_TIMEOUT_MS = 120_000;
let chain: Promise<unknown> = Promise.resolve();

/** nice 19 and the idle I/O class where ionice exists (util-linux; Debian has it). */
function lowPriority(argv: string[]): [string, string[]] {
  const ionice = ['/usr/bin/ionice', '/bin/ionice'].find((p) => existsSync(p));
  return ionice ? ['nice', ['-n', '19', ionice, '-c', '3', ...argv]] : ['nice', ['-n', '19', ...argv]];
}

/** Total bytes of `home`/workspace and its largest top-level entries; null when it could not be measured. */
export function scanWorkspace(home: string): Promise<DuResult | null> {
  const dir = join(home, 'workspace');
  const run = () =>
    new Promise<DuResult | null>((resolve) => {
      const [cmd, args] = lowPriority(['du', '-0', '-a', '-x', '-d', '1', '--block-size=1', '--', dir]);
      // Read as it streams, keeping only the largest entries: a workspace of a million top-level files
      // must not make the scan fail (and so go unmeasured) by the size of du's output.
      const reader = new DuReader(dir);
      const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'], timeout: SCAN_TIMEOUT_MS });
      child.stdout.on('data', (chunk: Buffer) => reader.push(chunk));
      child.on('error', () => resolve(null));
      child.on('close', (code, signal) => {
        // du exits 1 when some entry was unreadable but still prints a total: keep it.
        if (code === 0 || code === 1) {
          const r = reader.end();
          resolve(r.totalBytes !== null ? r : null);
        } else resolve(signal === 'SIGTERM' ? reader.endCutShort() : null); // spawn's timeout sends SIGTERM
      });
    });
  const next = chain.then(run, run);
  chain = next.catch(() => undefined);
  return next;
}

/** Bytes under `home`/workspace, or null when it is missing or could not be measured in time. */
export async function workspaceBytes(home: string): Promise<number | null> {
  const r = await scanWorkspace(home);
  return r && !r.partial ? r.totalBytes : null;
}

// The size of a user's ~/workspace, measured by `du` as ds01d (root): physical bytes, this file system
// only, symbolic links not followed (du's default), so a link out of the workspace is not counted. One
// scan at a time, each bounded; a failure or timeout is null ("not measured"), never an error.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const SCAN_TIMEOUT_MS = 120_000;
let chain: Promise<unknown> = Promise.resolve();

/** Bytes under `home`/workspace, or null when it is missing or could not be measured in time. */
export function workspaceBytes(home: string): Promise<number | null> {
  const run = () =>
    new Promise<number | null>((resolve) => {
      execFile(
        'du',
        ['-s', '-x', '--block-size=1', '--', join(home, 'workspace')],
        { timeout: SCAN_TIMEOUT_MS, encoding: 'utf8' },
        (err, stdout) => {
          const n = Number.parseInt(String(stdout).split('\t')[0] ?? '', 10);
          // du exits 1 when some entry was unreadable but still prints a total: keep it.
          resolve(Number.isFinite(n) && (!err || (err as { code?: unknown }).code === 1) ? n : null);
        },
      );
    });
  const next = chain.then(run, run);
  chain = next.catch(() => undefined);
  return next;
}

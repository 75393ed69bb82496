// The last policy text that validated, kept in the state directory so a rejected edit left on disk
// cannot stop ds01d at the next boot. Written atomically (temp file, fsync, rename, fsync of the
// directory): a crash mid-write leaves the previous copy, never half a file.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LAST_GOOD_NAME = 'policy.last-good.yaml';

export function lastGoodPath(stateDir: string): string {
  return join(stateDir, LAST_GOOD_NAME);
}

export function saveLastGood(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dir = openSync(join(path, '..'), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** The saved text and when it was saved, or null when there is none. */
export function readLastGood(path: string): { text: string; savedAt: number } | null {
  try {
    return { text: readFileSync(path, 'utf8'), savedAt: statSync(path).mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

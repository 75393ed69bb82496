// The user's workspace, resolved by the daemon (root) under the caller's home from NSS — never from a
// path a client names. Missing parts are created and handed to the user; an existing part that is a
// symlink or belongs to someone else is refused (no `~/workspace/x -> /etc`). Workspaces are never deleted.
import { chownSync, lstatSync, mkdirSync, realpathSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { Ds01Error } from '../errors.js';

export interface WorkspaceOwner {
  uid: number;
  gid: number;
  home: string;
}

function lstat(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function refuse(path: string, why: string): Ds01Error {
  return new Ds01Error(
    'CONFLICT',
    `cannot use ${path} as a workspace: ${why}`,
    'make it a plain directory you own (or move it away) and try again',
  );
}

/** A directory owned by the user: checked if present, else created with `mode` and chowned. */
function ensureOwnedDir(path: string, owner: WorkspaceOwner, mode: number): void {
  let st = lstat(path);
  if (!st) {
    try {
      mkdirSync(path, { mode });
      chownSync(path, owner.uid, owner.gid);
      return;
    } catch (err) {
      // Lost a race with something created meanwhile: check what is there now.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      st = lstat(path);
      if (!st) throw err;
    }
  }
  if (st.isSymbolicLink()) throw refuse(path, 'it is a symbolic link');
  if (!st.isDirectory()) throw refuse(path, 'it is not a directory');
  if (st.uid !== owner.uid) throw refuse(path, `it belongs to uid ${st.uid}, not you`);
}

/** `<home>/workspace/<project>`, ready to bind-mount. */
export function ensureWorkspace(owner: WorkspaceOwner, project: string): string {
  let home: string;
  try {
    // The home itself may sit behind an admin's symlink (/home -> /data/home); resolve it once.
    home = realpathSync(owner.home);
  } catch {
    throw new Ds01Error(
      'CONFLICT',
      `your home directory ${owner.home} does not exist`,
      'ask an admin to create it (ds01 keeps workspaces under your home)',
    );
  }
  const st = lstatSync(home);
  if (!st.isDirectory() || st.uid !== owner.uid)
    throw refuse(home, `your home directory is not a directory owned by you`);
  const root = join(home, 'workspace');
  ensureOwnedDir(root, owner, 0o750);
  const ws = join(root, project);
  ensureOwnedDir(ws, owner, 0o700);
  return ws;
}

/** Where the workspace is (for reports), without touching the file system. */
export function workspacePath(home: string, project: string): string {
  return join(home, 'workspace', project);
}

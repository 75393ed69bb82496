// ds01d's workspace binder, run in dockerd's mount namespace (ds01d starts it there with nsenter when its
// own namespace differs). It makes <target> (a root-only path under the state dir, the bind source Docker
// was given) show exactly the user's checked workspace directory:
//   1. open <home>, then `workspace`, then <project>, one component at a time, each relative to the
//      directory already open (through /proc/self/fd/N/<name>) with O_NOFOLLOW|O_DIRECTORY: no symlink
//      is followed anywhere below the home, and no name is looked up twice;
//   2. fstat each opened directory: owned by the user (created and chowned by us when missing);
//   3. bind-mount the OPENED directory (mount(2) of /proc/self/fd/N, N = it) on <target>;
//   4. verify <target> now has the opened directory's device and inode, else undo and fail.
// Whatever the user renames or replaces meanwhile, what is mounted is the directory that was checked.
// It also writes a new container's passwd/group/home into its upper layer (upper-layer.ts), which only
// dockerd's namespace is sure to see writable.
// `--serve`: one long-lived process (workspace/helper-process.ts) answering one JSON request per line on
// stdin with one JSON line on stdout, `{id, ...answer}`, in order. Nothing is kept between requests: each
// one opens and checks its paths afresh. It exits when ds01d closes its stdin (ds01d ended).
// Without --serve (ds01d before issue 17, by hand): one JSON bind argument, or `--unbind <target>`.
import {
  closeSync,
  constants,
  fchownSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  type Stats,
  statSync,
} from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bindMount, unmount } from '../native/libc.js';
import { type UpperLayerInput, writeUpperLayer } from './upper-layer.js';

export interface BindInput {
  home: string;
  project: string;
  uid: number;
  gid: number;
  target: string;
}

export type BindOutput =
  | { ok: true; dev: number; ino: number }
  | { ok: false; refused: boolean; message: string };

class Refused extends Error {}

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** Open <name> inside the open directory `parent` without following a link; create it when missing. */
function openChild(
  parent: number,
  name: string,
  shown: string,
  owner: Pick<BindInput, 'uid' | 'gid'>,
  mode: number,
): number {
  const path = `/proc/self/fd/${parent}/${name}`;
  let created = false;
  let fd: number;
  for (;;) {
    try {
      fd = openSync(path, DIR_FLAGS);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // With O_DIRECTORY the kernel may answer ENOTDIR for a symlink: say which it is (message only).
      if (code === 'ELOOP' || (code === 'ENOTDIR' && isLink(path)))
        throw new Refused(`cannot use ${shown} as a workspace: it is a symbolic link`);
      if (code === 'ENOTDIR') throw new Refused(`cannot use ${shown} as a workspace: it is not a directory`);
      if (code === 'ENOENT' && created)
        throw new Refused(`${shown} changed while ds01 was opening it (removed again); try again`);
      if (code !== 'ENOENT') throw err;
      try {
        mkdirSync(path, { mode }); // mkdir never follows a final symlink
        created = true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        created = true; // someone made it meanwhile: open and check what is there
      }
    }
  }
  const st = fstatSync(fd);
  if (st.uid === 0 && owner.uid !== 0 && created) fchownSync(fd, owner.uid, owner.gid);
  else if (st.uid !== owner.uid) {
    closeSync(fd);
    throw new Refused(`cannot use ${shown} as a workspace: it belongs to uid ${st.uid}, not you`);
  }
  return fd;
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function isMountPoint(path: string): boolean {
  const esc = (p: string) =>
    p.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  const want = esc(path);
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === want);
}

export function unbind(target: string): void {
  // Stacked mounts (a crash between two binds) come off one by one.
  for (let i = 0; i < 16 && isMountPoint(target); i++) unmount(target);
}

function same(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** Open home → workspace → project (created when missing); the fds opened, the project's last. */
function openWorkspace(i: Omit<BindInput, 'target'>, fds: number[]): number {
  const home = openSync(i.home, constants.O_RDONLY | constants.O_DIRECTORY);
  fds.push(home);
  if (fstatSync(home).uid !== i.uid) throw new Refused(`your home directory ${i.home} is not owned by you`);
  const ws = openChild(home, 'workspace', `${i.home}/workspace`, i, 0o750);
  fds.push(ws);
  const dir = openChild(ws, i.project, `${i.home}/workspace/${i.project}`, i, 0o700);
  fds.push(dir);
  return dir;
}

/** The same open and checks without mounting: a create's early answer (every start checks again). */
export function check(i: Omit<BindInput, 'target'>): BindOutput {
  const fds: number[] = [];
  try {
    const st = fstatSync(openWorkspace(i, fds));
    return { ok: true, dev: st.dev, ino: st.ino };
  } catch (err) {
    return { ok: false, refused: err instanceof Refused, message: (err as Error).message };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

export function bind(i: BindInput): BindOutput {
  const fds: number[] = [];
  try {
    const dir = openWorkspace(i, fds);
    mkdirSync(i.target, { recursive: true, mode: 0o700 });
    unbind(i.target);
    // The kernel resolves /proc/self/fd/N to the checked directory itself, never to a name.
    try {
      bindMount(`/proc/self/fd/${dir}`, i.target);
    } catch (err) {
      // Removed (by its owner) between the open and the mount: nothing to mount, and nothing else is.
      if (fstatSync(dir).nlink === 0)
        throw new Refused(`${i.home}/workspace/${i.project} was removed while it was being mounted`);
      throw err;
    }
    const want = fstatSync(dir);
    if (!same(statSync(i.target), want)) {
      unbind(i.target);
      throw new Error(`the workspace mount at ${i.target} is not the directory that was checked`);
    }
    return { ok: true, dev: want.dev, ino: want.ino };
  } catch (err) {
    return { ok: false, refused: err instanceof Refused, message: (err as Error).message };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/** Every mount below `dir` (left by a crash mid-start), deepest first. */
export function unbindUnder(dir: string): void {
  const prefix = `${dir.replace(/\/+$/, '')}/`;
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
  for (const p of new Set(points))
    unbind(p.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(Number.parseInt(o, 8))));
}

/** One request to the helper, in process or over its pipe. */
export type HelperRequest =
  | { op: 'bind'; input: BindInput }
  | { op: 'unbind'; target: string }
  | { op: 'unbind-under'; dir: string }
  | { op: 'user-files'; input: UpperLayerInput };

export type HelperOutput = { ok: true } | { ok: false; refused: boolean; message: string };

/** Answer one request; never throws (a failure is an answer). */
export function handle(req: HelperRequest): BindOutput | HelperOutput {
  try {
    switch (req.op) {
      case 'bind':
        return bind(req.input);
      case 'unbind':
        unbind(req.target);
        return { ok: true };
      case 'unbind-under':
        unbindUnder(req.dir);
        return { ok: true };
      case 'user-files':
        return writeUpperLayer(req.input);
      default:
        return {
          ok: false,
          refused: false,
          message: `unknown request ${JSON.stringify((req as { op?: unknown }).op)}`,
        };
    }
  } catch (err) {
    return { ok: false, refused: false, message: (err as Error).message ?? String(err) };
  }
}

/** Requests in order, one line each; a line that is not a request is answered as a failure. */
function serve(): void {
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    let id: unknown = null;
    let out: BindOutput | HelperOutput;
    try {
      const msg = JSON.parse(line) as { id: unknown } & HelperRequest;
      id = msg.id;
      out = handle(msg);
    } catch (err) {
      out = { ok: false, refused: false, message: `bad request: ${(err as Error).message}` };
    }
    process.stdout.write(`${JSON.stringify({ id, ...out })}\n`);
  });
  // ds01d gone (exit, crash, SIGKILL): its end of the pipe closes and so do we.
  lines.on('close', () => process.exit(0));
}

function main(argv: string[]): number {
  const answer = (out: BindOutput | HelperOutput) => {
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return out.ok ? 0 : 1;
  };
  if (argv[0] === '--unbind-under' && argv[1]) return answer(handle({ op: 'unbind-under', dir: argv[1] }));
  if (argv[0] === '--unbind' && argv[1]) return answer(handle({ op: 'unbind', target: argv[1] }));
  try {
    return answer(handle({ op: 'bind', input: JSON.parse(argv[0] ?? '') as BindInput }));
  } catch (err) {
    return answer({ ok: false, refused: false, message: String(err) });
  }
}

// Run when executed, not when imported (unit tests, ds01d). The name check matters in the bundle: there
// this code is part of dist/daemon/main.js, so import.meta.url is ds01d's own file, which argv[1] names.
const self = fileURLToPath(import.meta.url);
if (process.argv[1] && /[/]bind-helper\.[jt]s$/.test(self) && realpathSync(process.argv[1]) === self) {
  if (process.argv[2] === '--serve') serve();
  else process.exitCode = main(process.argv.slice(2));
}

// A new container's /etc/passwd, /etc/group and home directory, written straight into its overlay2 upper
// layer (GraphDriver.Data.UpperDir) instead of through Docker's archive API, which re-execs docker-untar in
// the container's mounted rootfs for every call (≈50–150 ms a deploy; issue 17). Run by the workspace
// helper in dockerd's mount namespace (the data root is read-only in ds01d's own, under ProtectSystem).
//
// Safe because of what is checked here, every time, not because of what ds01d was told:
//   - the upper layer is `<data root>/overlay2/<64 hex>/diff`, each component opened relative to the one
//     before with O_NOFOLLOW and owned by root, writable by nobody else;
//   - the container never ran: the layer holds nothing but what Docker's create makes (its working
//     directory, a root-owned directory) and its rootfs is not mounted;
//   - what is written is created with O_EXCL/mkdir relative to the opened directories: no name is looked
//     up twice and no link is followed. Nothing the user controls is on this path.
// What it writes is what the archive put wrote, as an overlay copy-up would: /etc and /home with the
// mode and owner the image gives them (the top lower layer that has them), passwd/group 0644 root, the
// home 0700 the user's. When the image's /etc or /home is not a plain directory (a symlink: the put
// would have followed it) it refuses, and ds01d falls back to the archive put.
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  type Stats,
  writeSync,
} from 'node:fs';
import { posix } from 'node:path';

export interface UpperLayerInput {
  /** Docker's data root (`docker info` DockerRootDir). */
  rootDir: string;
  /** GraphDriver.Data.UpperDir of the container. */
  upperDir: string;
  /** GraphDriver.Data.LowerDir split on ':' (top first: the -init layer, then the image's). */
  lowerDirs: string[];
  /** Config.WorkingDir: Docker's create makes it in the upper layer. */
  workingDir: string;
  passwd: string;
  group: string;
  /** /home/<name>, owned by uid:gid, 0700. */
  home: { name: string; uid: number; gid: number };
}

export type UpperLayerOutput = { ok: true } | { ok: false; refused: boolean; message: string };

/** Why the layer is not used; ds01d falls back to the archive put. */
class Unsuitable extends Error {}

const LAYER_ID = /^[0-9a-f]{64}(-init)?$/;

/** The layer id when `path` is exactly `<rootDir>/overlay2/<id>/diff`, else null (pure). */
export function layerIdOf(rootDir: string, path: string): string | null {
  if (!posix.isAbsolute(rootDir) || posix.normalize(rootDir) !== rootDir || rootDir.endsWith('/'))
    return null;
  const prefix = `${rootDir}/overlay2/`;
  if (!path.startsWith(prefix) || !path.endsWith('/diff')) return null;
  const id = path.slice(prefix.length, -'/diff'.length);
  return LAYER_ID.test(id) ? id : null;
}

/** A user name usable as one path component (pure). */
export function isHomeName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && name !== '.' && name !== '..' && !/[/\0]/.test(name);
}

/** The entries Docker's create may leave in a fresh upper layer: its working directory's first component. */
export function createdByDocker(workingDir: string): string | null {
  return workingDir.split('/').find((c) => c !== '' && c !== '.') ?? null;
}

const DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

function rootOnly(st: Stats, what: string): void {
  if (st.uid !== 0 || (st.mode & 0o022) !== 0)
    throw new Unsuitable(`${what} is not a root-owned directory only root can write`);
}

/** Open `name` in the open directory `parent`, never following a link. */
function openDirAt(parent: number, name: string): number {
  try {
    return openSync(`/proc/self/fd/${parent}/${name}`, DIR);
  } catch (err) {
    throw new Unsuitable(`cannot open ${name} in the layer path: ${(err as NodeJS.ErrnoException).code}`);
  }
}

function isMountPoint(path: string): boolean {
  // mountinfo writes space, tab, newline and backslash as octal escapes
  const want = path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === want);
}

/** How the image shows a top-level directory: its mode and owner, absent, or not a directory. */
function imageDir(lowerDirs: string[], name: string): { mode: number; uid: number; gid: number } | null {
  for (const lower of lowerDirs) {
    let st: Stats;
    try {
      st = lstatSync(`${lower}/${name}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    if (st.isCharacterDevice() && st.rdev === 0) return null; // an overlay whiteout: deleted in the image
    if (!st.isDirectory()) throw new Unsuitable(`the image's /${name} is not a directory`);
    return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  }
  return null;
}

/** mkdir + open without following, then the given owner and mode (the umask plays no part). */
function makeDir(parent: number, name: string, o: { mode: number; uid: number; gid: number }): number {
  mkdirSync(`/proc/self/fd/${parent}/${name}`, { mode: 0o700 });
  const fd = openSync(`/proc/self/fd/${parent}/${name}`, DIR);
  fchownSync(fd, o.uid, o.gid);
  fchmodSync(fd, o.mode);
  return fd;
}

function makeFile(parent: number, name: string, text: string): void {
  const fd = openSync(
    `/proc/self/fd/${parent}/${name}`,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    const data = Buffer.from(text);
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
    fchownSync(fd, 0, 0);
    fchmodSync(fd, 0o644);
  } finally {
    closeSync(fd);
  }
}

export function writeUpperLayer(i: UpperLayerInput): UpperLayerOutput {
  const fds: number[] = [];
  const keep = (fd: number) => {
    fds.push(fd);
    return fd;
  };
  try {
    const id = layerIdOf(i.rootDir, i.upperDir);
    if (!id || id.endsWith('-init'))
      throw new Unsuitable(`${i.upperDir} is not an overlay2 layer under ${i.rootDir}`);
    for (const l of i.lowerDirs)
      if (!layerIdOf(i.rootDir, l)) throw new Unsuitable(`${l} is not an overlay2 layer under ${i.rootDir}`);
    if (!isHomeName(i.home.name)) throw new Unsuitable(`${JSON.stringify(i.home.name)} cannot name a home`);
    // The data root is the admin's (dockerd's own setting); below it, nothing is followed.
    const root = keep(openSync(i.rootDir, constants.O_RDONLY | constants.O_DIRECTORY));
    rootOnly(fstatSync(root), i.rootDir);
    const overlay = keep(openDirAt(root, 'overlay2'));
    rootOnly(fstatSync(overlay), 'overlay2');
    const layer = keep(openDirAt(overlay, id));
    rootOnly(fstatSync(layer), `layer ${id}`);
    const diff = keep(openDirAt(layer, 'diff'));
    rootOnly(fstatSync(diff), `layer ${id}'s diff`);
    if (isMountPoint(`${i.rootDir}/overlay2/${id}/merged`))
      throw new Unsuitable(`the container's root file system is mounted (in use)`);
    const allowed = createdByDocker(i.workingDir);
    for (const e of readdirSync(`/proc/self/fd/${diff}`)) {
      const st = lstatSync(`/proc/self/fd/${diff}/${e}`);
      if (e !== allowed || e === 'etc' || e === 'home' || !st.isDirectory() || st.uid !== 0)
        throw new Unsuitable(`the container's layer is not fresh (it holds ${JSON.stringify(e)})`);
    }
    const etcMeta = imageDir(i.lowerDirs, 'etc') ?? { mode: 0o755, uid: 0, gid: 0 };
    const homeMeta = imageDir(i.lowerDirs, 'home') ?? { mode: 0o755, uid: 0, gid: 0 };
    const etc = keep(makeDir(diff, 'etc', etcMeta));
    makeFile(etc, 'passwd', i.passwd);
    makeFile(etc, 'group', i.group);
    const home = keep(makeDir(diff, 'home', homeMeta));
    keep(makeDir(home, i.home.name, { mode: 0o700, uid: i.home.uid, gid: i.home.gid }));
    return { ok: true };
  } catch (err) {
    return { ok: false, refused: err instanceof Unsuitable, message: (err as Error).message };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

#!/usr/bin/env node
// The file side of SFTP, run by ds01d as a child per SFTP channel: it changes its root to the
// container's (/proc/PID/root, so paths and absolute symlinks mean what they mean inside the container and
// `..` stops at its root), then becomes the container's owner (no groups, their uid/gid) BEFORE it
// touches any file the user names. So every file operation is the user's own, with the kernel's
// permission checks, and new files are theirs. Requests come over the IPC channel; answers go back.
import { constants, promises as fs, type Stats } from 'node:fs';
import { posix } from 'node:path';
import koffi from 'koffi';

const [pidArg, uidArg, gidArg, startDir] = process.argv.slice(2);
const pid = Number(pidArg);
const uid = Number(uidArg);
const gid = Number(gidArg);
if (!Number.isInteger(pid) || pid <= 1 || !Number.isInteger(uid) || uid <= 0 || !Number.isInteger(gid)) {
  process.stderr.write('usage: sftp-helper PID UID GID [DIR]\n');
  process.exit(2);
}

const libc = koffi.load('libc.so.6');
const chroot = libc.func('chroot', 'int', ['str']) as (p: string) => number;
if (chroot(`/proc/${pid}/root`) !== 0) {
  process.stderr.write(`cannot enter the container's file system (pid ${pid})\n`);
  process.exit(1);
}
process.chdir('/');
process.setgroups?.([]);
process.setgid?.(gid);
process.setuid?.(uid);
if (process.getuid?.() !== uid || process.geteuid?.() !== uid) process.exit(1);
process.umask(0o022);
try {
  process.chdir(startDir || '/workspace');
} catch {
  // stays at /
}

export interface WireAttrs {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  atime: number;
  mtime: number;
}

const attrs = (s: Stats): WireAttrs => ({
  mode: s.mode,
  uid: s.uid,
  gid: s.gid,
  size: s.size,
  atime: Math.floor(s.atimeMs / 1000),
  mtime: Math.floor(s.mtimeMs / 1000),
});

const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
function longname(name: string, s: Stats): string {
  const t = s.isDirectory() ? 'd' : s.isSymbolicLink() ? 'l' : s.isFile() ? '-' : '?';
  const bits = 'rwxrwxrwx'
    .split('')
    .map((c, i) => (s.mode & (1 << (8 - i)) ? c : '-'))
    .join('');
  const d = s.mtime;
  const when = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2)} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  return `${t}${bits} ${String(s.nlink).padStart(4)} ${String(s.uid).padEnd(8)} ${String(s.gid).padEnd(8)} ${String(s.size).padStart(12)} ${when} ${name}`;
}

interface SetAttrs {
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  atime?: number;
  mtime?: number;
}

async function applyAttrs(target: string | fs.FileHandle, a: SetAttrs) {
  const h = typeof target === 'string' ? null : target;
  const p = typeof target === 'string' ? target : null;
  if (a.size !== undefined) await (h ? h.truncate(a.size) : fs.truncate(p as string, a.size));
  if (a.mode !== undefined) await (h ? h.chmod(a.mode & 0o7777) : fs.chmod(p as string, a.mode & 0o7777));
  if (a.uid !== undefined || a.gid !== undefined) {
    // Only a no-op chown can succeed for a non-root user; ask the kernel anyway.
    const u = a.uid ?? uid;
    const g = a.gid ?? gid;
    await (h ? h.chown(u, g) : fs.chown(p as string, u, g));
  }
  if (a.atime !== undefined && a.mtime !== undefined)
    await (h ? h.utimes(a.atime, a.mtime) : fs.utimes(p as string, a.atime, a.mtime));
}

const files = new Map<number, fs.FileHandle>();
let nextId = 1;
const MAX_READ = 256 * 1024;

function fileOf(id: unknown): fs.FileHandle {
  const h = files.get(Number(id));
  if (!h) throw Object.assign(new Error('bad handle'), { code: 'EBADF' });
  return h;
}

// biome-ignore lint/suspicious/noExplicitAny: arguments come from the daemon (the only IPC peer) per op
const ops: Record<string, (...a: any[]) => Promise<unknown>> = {
  async realpath(p: string) {
    const abs = posix.resolve(process.cwd(), p || '.');
    try {
      return await fs.realpath(abs);
    } catch {
      return posix.normalize(abs);
    }
  },
  stat: async (p: string) => attrs(await fs.stat(p)),
  lstat: async (p: string) => attrs(await fs.lstat(p)),
  async open(p: string, flags: number, mode: number | undefined) {
    const h = await fs.open(p, flags, mode ?? 0o666);
    if ((await h.stat()).isDirectory()) {
      await h.close();
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    const id = nextId++;
    files.set(id, h);
    return id;
  },
  async close(id: number) {
    const h = fileOf(id);
    files.delete(Number(id));
    await h.close();
  },
  async read(id: number, pos: number, len: number) {
    const buf = Buffer.alloc(Math.min(Math.max(0, len), MAX_READ));
    const { bytesRead } = await fileOf(id).read(buf, 0, buf.length, pos);
    return buf.subarray(0, bytesRead);
  },
  async write(id: number, pos: number, data: Uint8Array) {
    await fileOf(id).write(Buffer.from(data), 0, data.length, pos);
  },
  fstat: async (id: number) => attrs(await fileOf(id).stat()),
  fsetstat: (id: number, a: SetAttrs) => applyAttrs(fileOf(id), a),
  setstat: (p: string, a: SetAttrs) => applyAttrs(p, a),
  async readdir(p: string) {
    const names = await fs.readdir(p);
    const out: { filename: string; longname: string; attrs: WireAttrs }[] = [];
    for (const n of ['.', '..', ...names]) {
      const s = await fs.lstat(posix.join(p, n)).catch(() => null);
      if (s) out.push({ filename: n, longname: longname(n, s), attrs: attrs(s) });
    }
    return out;
  },
  async opendir(p: string) {
    const s = await fs.stat(p);
    if (!s.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    await fs.access(p, constants.R_OK | constants.X_OK);
  },
  mkdir: (p: string, mode: number | undefined) => fs.mkdir(p, { mode: mode ?? 0o777 }),
  rmdir: (p: string) => fs.rmdir(p),
  unlink: (p: string) => fs.unlink(p),
  rename: (a: string, b: string) => fs.rename(a, b),
  readlink: (p: string) => fs.readlink(p),
  symlink: (target: string, link: string) => fs.symlink(target, link),
};

process.on('message', (m: { id: number; op: string; args: unknown[] }) => {
  const fn = ops[m.op];
  const p = fn ? fn(...m.args) : Promise.reject(Object.assign(new Error('no such op'), { code: 'ENOSYS' }));
  p.then(
    (value) => process.send?.({ id: m.id, ok: true, value }),
    (err: NodeJS.ErrnoException) => process.send?.({ id: m.id, ok: false, code: err.code ?? 'EIO' }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });

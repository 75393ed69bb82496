// The few libc calls Node has no built-in for, through koffi (FFI, no compiler needed at install):
// SO_PEERCRED on an accepted Unix socket, sendto() on a datagram socket for sd_notify, mount(2)/umount2(2)
// for the workspace binder (a syscall instead of running mount(8)/umount(8) twice per container start), and
// glibc's malloc_trim.
import koffi from 'koffi';

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;

export interface PeerCred {
  pid: number;
  uid: number;
  gid: number;
}

type Fn = (...args: unknown[]) => number;
let lib: {
  getsockopt: Fn;
  socket: Fn;
  sendto: Fn;
  close: Fn;
  mount: Fn;
  umount2: Fn;
} | null = null;
let sockaddrUn: ReturnType<typeof koffi.struct>;

function libc() {
  if (lib) return lib;
  const c = koffi.load('libc.so.6');
  const ucred = koffi.struct('ds01_ucred', { pid: 'int32', uid: 'uint32', gid: 'uint32' });
  sockaddrUn = koffi.struct('ds01_sockaddr_un', {
    sun_family: 'uint16',
    sun_path: koffi.array('uint8', 108),
  });
  lib = {
    getsockopt: c.func('getsockopt', 'int', [
      'int',
      'int',
      'int',
      koffi.out(koffi.pointer(ucred)),
      koffi.inout(koffi.pointer('uint32')),
    ]) as Fn,
    socket: c.func('socket', 'int', ['int', 'int', 'int']) as Fn,
    sendto: c.func('sendto', 'long', [
      'int',
      'void *',
      'size_t',
      'int',
      koffi.pointer(sockaddrUn),
      'uint32',
    ]) as Fn,
    close: c.func('close', 'int', ['int']) as Fn,
    mount: c.func('mount', 'int', ['str', 'str', 'str', 'unsigned long', 'void *']) as Fn,
    umount2: c.func('umount2', 'int', ['str', 'int']) as Fn,
  };
  return lib;
}

/** The kernel's word on who is at the other end of a connected Unix socket; null if it cannot be read. */
export function peerCred(fd: number): PeerCred | null {
  if (!Number.isInteger(fd) || fd < 0) return null;
  const out: Partial<PeerCred> = {};
  const len = [12];
  const rc = libc().getsockopt(fd, SOL_SOCKET, SO_PEERCRED, out, len);
  if (rc !== 0 || typeof out.uid !== 'number' || typeof out.pid !== 'number') return null;
  // pid 0 means the peer is gone or not a Unix-socket peer; refuse rather than guess.
  if (out.pid === 0) return null;
  return { pid: out.pid, uid: out.uid, gid: out.gid ?? -1 };
}

/** sd_notify(3): tell systemd we are ready / stopping / reloading. A no-op outside systemd. */
export function sdNotify(state: string, socketPath = process.env.NOTIFY_SOCKET): boolean {
  if (!socketPath) return false;
  const l = libc();
  const fd = l.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  try {
    const path = Buffer.from(socketPath.startsWith('@') ? `\0${socketPath.slice(1)}` : socketPath, 'utf8');
    if (path.length >= 108) return false;
    const sunPath = new Array<number>(108).fill(0);
    for (let i = 0; i < path.length; i++) sunPath[i] = path[i] as number;
    const addr = { sun_family: AF_UNIX, sun_path: sunPath };
    const msg = Buffer.from(state, 'utf8');
    // Abstract addresses are not NUL-terminated: their length is exact.
    const addrLen = 2 + path.length + (socketPath.startsWith('@') ? 0 : 1);
    return l.sendto(fd, msg, msg.length, 0, addr, addrLen) === msg.length;
  } finally {
    l.close(fd);
  }
}

const MS_BIND = 4096;
const UMOUNT_NOFOLLOW = 8;

function errnoError(call: string, path: string): NodeJS.ErrnoException {
  const n = koffi.errno();
  const name = Object.entries(koffi.os.errno).find(([, v]) => v === n)?.[0] ?? `errno ${n}`;
  const err = new Error(`${call} ${path}: ${name}`) as NodeJS.ErrnoException;
  err.code = name;
  err.errno = n;
  return err;
}

/**
 * mount(2) with MS_BIND: `source` is given to the kernel as it is, never resolved here (the binder passes
 * /proc/self/fd/N of the directory it opened and checked).
 */
export function bindMount(source: string, target: string): void {
  if (libc().mount(source, target, null, MS_BIND, null) !== 0) throw errnoError('mount --bind', target);
}

/** umount2(2) without following a symlink at `target`. */
export function unmount(target: string): void {
  if (libc().umount2(target, UMOUNT_NOFOLLOW) !== 0) throw errnoError('umount', target);
}

let trim: ((pad: number) => number) | null | undefined;

/**
 * glibc's malloc_trim(0): give the free memory malloc keeps in its arenas back to the kernel. False where
 * the C library has none (musl) or nothing was given back.
 */
export function mallocTrim(): boolean {
  if (trim === undefined) {
    try {
      trim = koffi.load('libc.so.6').func('malloc_trim', 'int', ['size_t']) as (pad: number) => number;
    } catch {
      trim = null;
    }
  }
  return trim ? trim(0) === 1 : false;
}

// Writing a notice to a user's open terminals on the host, like wall(1) for one user. The terminals are
// the login sessions in utmp plus any pty the user owns (tmux, screen and `script` do not write utmp).
// Each write is a short non-blocking open+write+close: a stuck terminal never stalls the daemon.
import { closeSync, constants, lstatSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** glibc x86_64/aarch64 `struct utmp`: 384 bytes. */
const UTMP_SIZE = 384;
const USER_PROCESS = 7;

export interface UtmpEntry {
  type: number;
  pid: number;
  line: string; // e.g. pts/3
  user: string;
}

const cstr = (b: Buffer) => {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
};

/** Login sessions from a utmp file's bytes (pure). */
export function parseUtmp(buf: Buffer): UtmpEntry[] {
  const out: UtmpEntry[] = [];
  for (let off = 0; off + UTMP_SIZE <= buf.length; off += UTMP_SIZE) {
    const type = buf.readInt16LE(off);
    if (type !== USER_PROCESS) continue;
    out.push({
      type,
      pid: buf.readInt32LE(off + 4),
      line: cstr(buf.subarray(off + 8, off + 40)),
      user: cstr(buf.subarray(off + 44, off + 76)),
    });
  }
  return out;
}

export interface TerminalSources {
  utmpPath: string;
  ptsDir: string;
  devDir: string;
}

export const HOST_TERMINALS: TerminalSources = {
  utmpPath: '/var/run/utmp',
  ptsDir: '/dev/pts',
  devDir: '/dev',
};

/** A character device owned by the uid (a stale utmp line may name a tty that is now someone else's). */
function ownedTty(path: string, uid: number): boolean {
  try {
    const st = lstatSync(path);
    return st.isCharacterDevice() && st.uid === uid;
  } catch {
    return false;
  }
}

/** The user's terminals: utmp login lines for the name and ptys owned by the uid. */
export function terminalsOf(user: { uid: number; name: string }, src = HOST_TERMINALS): string[] {
  const found = new Set<string>();
  try {
    for (const e of parseUtmp(readFileSync(src.utmpPath))) {
      if (e.user !== user.name || !e.line || e.line.includes('..')) continue;
      const path = join(src.devDir, e.line);
      if (ownedTty(path, user.uid)) found.add(path);
    }
  } catch {
    // no utmp (containers, minimal systems): the pty scan still finds terminals
  }
  try {
    for (const name of readdirSync(src.ptsDir)) {
      if (!/^\d+$/.test(name)) continue;
      const path = join(src.ptsDir, name);
      if (ownedTty(path, user.uid)) found.add(path);
    }
  } catch {
    // no /dev/pts
  }
  return [...found].sort();
}

/** Write `text` to each terminal of the user; returns the terminals written to. Never blocks, never throws. */
export function writeToTerminals(
  user: { uid: number; name: string },
  text: string,
  src = HOST_TERMINALS,
): string[] {
  const body = Buffer.from(`\r\n${text.replace(/\r?\n/g, '\r\n')}\r\n`, 'utf8');
  const written: string[] = [];
  for (const path of terminalsOf(user, src)) {
    let fd: number | null = null;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
      writeSync(fd, body);
      written.push(path);
    } catch {
      // gone, or its buffer is full (EAGAIN): skip it
    } finally {
      if (fd !== null) closeSync(fd);
    }
  }
  return written;
}

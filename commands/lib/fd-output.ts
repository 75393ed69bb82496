// The commands' output written straight to fds 1 and 2 rather than through process.stdout/stderr. Node
// makes those streams on first use (a net.Socket for a pipe, a tty.WriteStream for a terminal), and that
// costs a command ≈1.5 ms of CPU per stream at start-up, more than all its own printing. Node's writes to a
// pipe or terminal are synchronous on Linux too, so output comes out in the same order either way.
import { fstatSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';

/** Writes from `offset` to the end of `buf` to `fd`; returns how many bytes went (fs.writeSync). */
export type WriteFd = (fd: number, buf: Buffer, offset: number) => number;

const writeFd: WriteFd = (fd, buf, offset) => writeSync(fd, buf, offset, buf.length - offset);

/** The stream a writer hands over to: only `write` and `emit('error')` are used. */
export interface Fallback {
  write(chunk: Uint8Array | string): unknown;
  emit(event: 'error', err: Error): unknown;
}

/**
 * A writer for `fd`: each string written whole and in order. When the fd would block (EAGAIN: a
 * terminal or pipe somebody made non-blocking, and full), that write's rest and every later write go to
 * `stream()`, which queues them until the reader takes them. Any other error (EPIPE: the reader went
 * away) is emitted as the stream's own error, so bin/ds01.ts's one policy for a closed pipe covers both.
 */
export function fdWriter(fd: number, stream: () => Fallback, write: WriteFd = writeFd): (s: string) => void {
  let via: Fallback | null = null;
  return (s) => {
    if (via) {
      via.write(s);
      return;
    }
    const buf = Buffer.from(s);
    let off = 0;
    try {
      while (off < buf.length) off += write(fd, buf, off);
    } catch (err) {
      via = stream();
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') via.write(buf.subarray(off));
      else via.emit('error', err as Error);
    }
  };
}

/**
 * Whether `fd` is a terminal. Asks node:tty only about a character device: a pipe or a file (every
 * command run by a script, or over `ssh host cmd`) is answered from fstat, without loading the module.
 */
export function fdIsTTY(fd: number): boolean {
  try {
    return fstatSync(fd).isCharacterDevice() && isatty(fd);
  } catch {
    return false; // closed
  }
}

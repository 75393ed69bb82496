import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Fallback, fdIsTTY, fdWriter, type WriteFd } from './fd-output.js';

const errno = (code: string) => Object.assign(new Error(code), { code });

/** A stream stand-in that records what it was handed. */
function recorder() {
  const got: string[] = [];
  const errors: Error[] = [];
  let made = 0;
  const stream: Fallback = {
    write: (c) => got.push(Buffer.from(c).toString()),
    emit: (_, err) => errors.push(err),
  };
  return {
    got,
    errors,
    made: () => made,
    stream: () => {
      made++;
      return stream;
    },
  };
}

describe('fdWriter', () => {
  it('writes each string whole through the fd, across short writes, without making the stream', () => {
    const wrote: string[] = [];
    // at most 3 bytes a call, like a pipe that takes part of a write
    const write: WriteFd = (fd, buf, off) => {
      expect(fd).toBe(1);
      const n = Math.min(3, buf.length - off);
      wrote.push(buf.subarray(off, off + n).toString());
      return n;
    };
    const r = recorder();
    const out = fdWriter(1, r.stream, write);
    out('hello, ');
    out('');
    out('wörld\n');
    expect(wrote.join('')).toBe('hello, wörld\n');
    expect(r.made()).toBe(0);
  });

  it('hands the rest of a write that would block, and every later write, to the stream, in order', () => {
    let calls = 0;
    const write: WriteFd = (_, buf, off) => {
      calls++;
      if (calls === 2) throw errno('EAGAIN');
      return Math.min(4, buf.length - off);
    };
    const r = recorder();
    const out = fdWriter(1, r.stream, write);
    out('abcdefgh'); // 4 bytes go, then EAGAIN
    out('ij');
    expect(r.got).toEqual(['efgh', 'ij']);
    expect(calls).toBe(2); // nothing went to the fd after it would block
    expect(r.made()).toBe(1);
  });

  it('reports any other error (the reader went away) as the stream’s error', () => {
    const r = recorder();
    const out = fdWriter(2, r.stream, () => {
      throw errno('EPIPE');
    });
    out('x');
    expect(r.errors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['EPIPE']);
  });

  it('writes a real file descriptor', () => {
    const file = join(tmpdir(), `ds01-fd-output-${process.pid}`);
    const fd = openSync(file, 'w');
    try {
      const out = fdWriter(fd, recorder().stream);
      out('one\n');
      out('two\n');
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file, 'utf8')).toBe('one\ntwo\n');
    rmSync(file);
  });
});

describe('fdIsTTY', () => {
  it('says no for a file, /dev/null (a character device, not a terminal) and a closed fd', () => {
    const file = join(tmpdir(), `ds01-fd-tty-${process.pid}`);
    const fd = openSync(file, 'w');
    const dev = openSync('/dev/null', 'w');
    try {
      expect(fdIsTTY(fd)).toBe(false);
      expect(fdIsTTY(dev)).toBe(false);
    } finally {
      closeSync(fd);
      closeSync(dev);
      rmSync(file);
    }
    expect(fdIsTTY(fd)).toBe(false);
  });
});

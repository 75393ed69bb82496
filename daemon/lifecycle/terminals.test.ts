import { describe, expect, it } from 'vitest';
import { parseUtmp } from './terminals.js';

function record(type: number, pid: number, line: string, user: string): Buffer {
  const b = Buffer.alloc(384);
  b.writeInt16LE(type, 0);
  b.writeInt32LE(pid, 4);
  b.write(line, 8, 'utf8');
  b.write(user, 44, 'utf8');
  return b;
}

describe('parseUtmp', () => {
  it('reads login sessions (USER_PROCESS) and skips the rest', () => {
    const buf = Buffer.concat([
      record(2, 0, '~', 'reboot'), // BOOT_TIME
      record(7, 4242, 'pts/3', 'alice'),
      record(8, 11, 'pts/1', ''), // DEAD_PROCESS
      record(7, 4343, 'tty1', 'bob'),
      Buffer.alloc(100), // a torn trailing record is ignored
    ]);
    expect(parseUtmp(buf)).toEqual([
      { type: 7, pid: 4242, line: 'pts/3', user: 'alice' },
      { type: 7, pid: 4343, line: 'tty1', user: 'bob' },
    ]);
  });
});

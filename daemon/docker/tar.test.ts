import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { packTar, unpackTar } from './tar.js';

describe('tar', () => {
  it('round-trips files and directories', () => {
    const tar = packTar([
      {
        name: 'etc/passwd',
        type: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        data: Buffer.from('root:x:0:0::/root:/bin/sh\n'),
      },
      { name: 'home/alice', type: 'dir', mode: 0o700, uid: 1234, gid: 1235 },
    ]);
    expect(tar.length % 512).toBe(0);
    const back = unpackTar(tar);
    expect(back.map((e) => [e.name, e.typeflag])).toEqual([
      ['etc/passwd', '0'],
      ['home/alice/', '5'],
    ]);
    expect(back[0]?.data.toString()).toBe('root:x:0:0::/root:/bin/sh\n');
  });
  it('is read by GNU tar with owners and modes intact', () => {
    const tar = packTar([
      { name: 'home/alice', type: 'dir', mode: 0o700, uid: 1234, gid: 1235 },
      { name: 'etc/group', type: 'file', mode: 0o644, uid: 0, gid: 0, data: Buffer.from('x'.repeat(700)) },
    ]);
    const listing = execFileSync('tar', ['-tv', '--numeric-owner', '-f', '-'], {
      input: tar,
      encoding: 'utf8',
    });
    expect(listing).toMatch(/drwx------ 1234\/1235\s+0 .* home\/alice\//);
    expect(listing).toMatch(/-rw-r--r-- 0\/0\s+700 .* etc\/group/);
  });
  it('reads what GNU tar writes', () => {
    const tar = execFileSync('tar', ['-c', '-f', '-', '-C', '/etc', 'hostname'], {});
    const entries = unpackTar(tar);
    expect(entries[0]?.name).toBe('hostname');
    expect(entries[0]?.data.length).toBeGreaterThan(0);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packTar, unpackTar } from './tar.js';

const DEEP = `${Array.from({ length: 8 }, (_, i) => `directory-level-${i}`).join('/')}/data-file.txt`;

describe('packTar', () => {
  it('writes an archive that GNU tar lists and extracts byte for byte, owners and modes intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds01-tar-'));
    try {
      const big = Buffer.alloc(1500, 7);
      const tar = await packTar([
        { name: 'Dockerfile', data: 'FROM x\nRUN echo ü\n' },
        { name: 'sub/data.bin', data: big, mode: 0o600 },
        { name: 'home/alice', type: 'dir', mode: 0o700, uid: 1234, gid: 1235 },
      ]);
      expect(tar.length % 512).toBe(0);
      writeFileSync(join(dir, 'a.tar'), tar);
      const list = execFileSync('tar', ['-tv', '--numeric-owner', '-f', join(dir, 'a.tar')], {
        encoding: 'utf8',
      });
      expect(list).toMatch(/-rw-r--r-- 0\/0\s+19 .*Dockerfile/);
      expect(list).toMatch(/-rw------- 0\/0\s+1500 .*sub\/data.bin/);
      expect(list).toMatch(/drwx------ 1234\/1235\s+0 .* home\/alice/);
      execFileSync('tar', ['-xf', join(dir, 'a.tar'), '-C', dir]);
      expect(readFileSync(join(dir, 'Dockerfile'), 'utf8')).toBe('FROM x\nRUN echo ü\n');
      expect(readFileSync(join(dir, 'sub/data.bin')).equals(big)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('stores a path over 100 bytes, which GNU tar extracts at its full length', async () => {
    expect(Buffer.byteLength(DEEP)).toBeGreaterThan(100);
    const dir = mkdtempSync(join(tmpdir(), 'ds01-tar-'));
    try {
      writeFileSync(join(dir, 'a.tar'), await packTar([{ name: DEEP, data: 'deep\n' }]));
      execFileSync('tar', ['-xf', join(dir, 'a.tar'), '-C', dir]);
      expect(readFileSync(join(dir, DEEP), 'utf8')).toBe('deep\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('refuses absolute and parent paths', async () => {
    for (const name of ['/etc/passwd', '../x', 'a/../../x', ''])
      await expect(packTar([{ name, data: '' }])).rejects.toThrow(/not a relative path/);
  });
  it('is the same bytes for the same entries', async () => {
    const e = [{ name: 'Dockerfile', data: 'FROM a\n' }];
    expect((await packTar(e)).equals(await packTar(e))).toBe(true);
  });
});

describe('unpackTar', () => {
  it('round-trips files, directories and long paths', async () => {
    const back = await unpackTar(
      await packTar([
        { name: 'etc/passwd', data: 'root:x:0:0::/root:/bin/sh\n' },
        { name: 'home/alice', type: 'dir', mode: 0o700 },
        { name: DEEP, data: 'deep' },
      ]),
    );
    expect(back.map((e) => [e.name, e.type])).toEqual([
      ['etc/passwd', 'file'],
      ['home/alice', 'directory'],
      [DEEP, 'file'],
    ]);
    expect(back[0]?.data.toString()).toBe('root:x:0:0::/root:/bin/sh\n');
  });
  it('reads what GNU tar writes, links included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds01-tar-'));
    try {
      writeFileSync(join(dir, 'real'), 'x');
      execFileSync('ln', ['-s', 'real', join(dir, 'link')]);
      const tar = execFileSync('tar', ['-c', '-f', '-', '-C', dir, 'real', 'link']);
      const entries = await unpackTar(tar);
      expect(entries.map((e) => [e.name, e.type])).toEqual([
        ['real', 'file'],
        ['link', 'symlink'],
      ]);
      expect(entries[0]?.data.toString()).toBe('x');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

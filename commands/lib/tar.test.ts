import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tarArchive } from './tar.js';

describe('tarArchive', () => {
  it('writes an archive that GNU tar lists and extracts byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds01-tar-'));
    try {
      const big = Buffer.alloc(1500, 7);
      const tar = tarArchive([
        { name: 'Dockerfile', body: 'FROM x\nRUN echo ü\n' },
        { name: 'sub/data.bin', body: big, mode: 0o600 },
      ]);
      expect(tar.length % 512).toBe(0);
      writeFileSync(join(dir, 'a.tar'), tar);
      const list = execFileSync('tar', ['-tvf', join(dir, 'a.tar')], { encoding: 'utf8' });
      expect(list).toMatch(/-rw-r--r-- .* 19 .*Dockerfile/);
      expect(list).toMatch(/-rw------- .* 1500 .*sub\/data.bin/);
      execFileSync('tar', ['-xf', join(dir, 'a.tar'), '-C', dir]);
      expect(readFileSync(join(dir, 'Dockerfile'), 'utf8')).toBe('FROM x\nRUN echo ü\n');
      expect(readFileSync(join(dir, 'sub/data.bin')).equals(big)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('refuses absolute, parent and over-long names', () => {
    for (const name of ['/etc/passwd', '../x', 'a/../../x', 'x'.repeat(120), ''])
      expect(() => tarArchive([{ name, body: '' }])).toThrow(/not a short relative path/);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { packTar } from '../common/tar.js';
import { ContextError, ContextScanner } from './tar-scan.js';

/** Push `data` through a scanner in chunks of `chunk` bytes; returns what came out and the error. */
async function scan(
  data: Buffer,
  opts: { maxBytes?: number; chunk?: number; check?: (t: string) => void } = {},
) {
  const seen: string[] = [];
  const scanner = new ContextScanner({
    maxBytes: opts.maxBytes ?? 10 * 1024 * 1024,
    check: (t) => {
      seen.push(t);
      opts.check?.(t);
    },
  });
  const size = opts.chunk ?? 100;
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
  const out: Buffer[] = [];
  let error: Error | undefined;
  await pipeline(
    Readable.from(chunks),
    scanner,
    new Writable({
      write(c, _e, done) {
        out.push(c);
        done();
      },
    }),
  ).catch((e) => {
    error = e;
  });
  return { seen, out: Buffer.concat(out), error };
}

function gnuTar(build: (dir: string) => void, args: string[] = []): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'ds01-scan-'));
  try {
    const ctx = join(dir, 'ctx');
    mkdirSync(ctx);
    build(ctx);
    execFileSync('tar', ['-C', ctx, ...args, '-cf', join(dir, 'out.tar'), '.']);
    return readFileSync(join(dir, 'out.tar'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('ContextScanner', () => {
  it('passes the archive through unchanged and reads the Dockerfile, whatever the chunking', async () => {
    const tar = await packTar([
      { name: 'data.txt', data: 'x'.repeat(700) },
      { name: 'Dockerfile', data: 'FROM a\nRUN true\n' },
    ]);
    for (const chunk of [1, 7, 512, 513, 100_000]) {
      const r = await scan(tar, { chunk });
      expect(r.error).toBeUndefined();
      expect(r.out.equals(tar)).toBe(true);
      expect(r.seen).toEqual(['FROM a\nRUN true\n']);
    }
  });
  it('reads GNU tar archives, ./ prefixes and pax long names included', async () => {
    const tar = gnuTar(
      (d) => {
        writeFileSync(join(d, 'Dockerfile'), 'FROM gnu\n');
        mkdirSync(join(d, 'x'.repeat(120)));
        writeFileSync(join(d, 'x'.repeat(120), 'f'), 'y');
      },
      ['--format=pax'],
    );
    const r = await scan(tar, { chunk: 333 });
    expect(r.error).toBeUndefined();
    expect(r.seen).toEqual(['FROM gnu\n']);
  });
  it('a pax header that renames an entry to Dockerfile is followed, as Docker follows it', async () => {
    const rec = 'path=Dockerfile\n';
    const line = `${rec.length + 3} ${rec}`; // "NN path=…\n", NN counting itself
    const tar = await packTar([
      { name: 'PaxHeaders/innocent', data: line },
      { name: 'innocent', data: 'FROM smuggled\n' },
    ]);
    tar[156] = 'x'.charCodeAt(0); // make the first entry a pax extended header
    const r = await scan(tar);
    expect(r.seen).toEqual(['FROM smuggled\n']);
  });
  it('a refused Dockerfile stops the stream before the end of the archive', async () => {
    const tar = await packTar([{ name: 'Dockerfile', data: 'FROM evil\n' }]);
    const r = await scan(tar, {
      chunk: 512,
      check: () => {
        throw new ContextError('FORBIDDEN', 'no');
      },
    });
    expect((r.error as ContextError).code).toBe('FORBIDDEN');
    // The header went through, the Dockerfile's body and the end-of-archive blocks did not.
    expect(r.out.length).toBe(512);
  });
  it('refuses a context over the size limit while it streams', async () => {
    const tar = await packTar([
      { name: 'Dockerfile', data: 'FROM a\n' },
      { name: 'big', data: Buffer.alloc(64 * 1024) },
    ]);
    const r = await scan(tar, { maxBytes: 16 * 1024, chunk: 4096 });
    expect((r.error as ContextError).code).toBe('PAYLOAD_TOO_LARGE');
    expect(r.out.length).toBeLessThanOrEqual(16 * 1024);
  });
  it('refuses a context without a Dockerfile, and a Dockerfile that is a link', async () => {
    const none = await scan(await packTar([{ name: 'other', data: 'x' }]));
    expect(none.error?.message).toMatch(/no Dockerfile/);
    const link = gnuTar((d) => {
      writeFileSync(join(d, 'real'), 'FROM a\n');
      symlinkSync('real', join(d, 'Dockerfile'));
    });
    const r = await scan(link);
    expect(r.error?.message).toMatch(/must be a regular file/);
  });
  it('checks the lower-case dockerfile Docker falls back to', async () => {
    const r = await scan(await packTar([{ name: 'dockerfile', data: 'FROM lower\n' }]));
    expect(r.seen).toEqual(['FROM lower\n']);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { packTar, unpackTar } from '../common/tar.js';
import { ContextError, repackContext } from './tar-scan.js';

/** Push `data` through the repacker in chunks of `chunk` bytes; returns the archive Docker would get. */
async function scan(
  data: Buffer,
  opts: { maxBytes?: number; chunk?: number; rewrite?: (t: string) => Promise<string> } = {},
) {
  const seen: string[] = [];
  const size = opts.chunk ?? 100;
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
  let error: ContextError | undefined;
  const out = repackContext(Readable.from(chunks), {
    maxBytes: opts.maxBytes ?? 10 * 1024 * 1024,
    rewrite: async (t) => {
      seen.push(t);
      return opts.rewrite ? opts.rewrite(t) : `rewritten:${t}`;
    },
    onError: (e) => {
      error ??= e;
    },
  });
  const got: Buffer[] = [];
  await pipeline(
    out,
    new Writable({
      write(c, _e, done) {
        got.push(c);
        done();
      },
    }),
  ).catch(() => undefined);
  const bytes = Buffer.concat(got);
  const entries = error ? [] : await unpackTar(bytes);
  return { seen, out: bytes, entries, error };
}

/** A header's checksum after editing it by hand (ustar: octal sum with the field read as spaces). */
function fixChecksum(tar: Buffer, off: number) {
  tar.fill(0x20, off + 148, off + 156);
  let sum = 0;
  for (let i = off; i < off + 512; i++) sum += tar[i] as number;
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, off + 148, 'ascii');
}

/** An archive with names exactly as given (packTar refuses `..`; a hostile client does not). */
function rawTar(entries: { name: string; data: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name }, e.data);
  pack.finalize();
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    pack.on('data', (c: Buffer) => chunks.push(c));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
  });
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

describe('repackContext', () => {
  it('writes the archive again, with the rewritten Dockerfile, whatever the chunking', async () => {
    const tar = await packTar([
      { name: 'data.txt', data: 'x'.repeat(700) },
      { name: 'Dockerfile', data: 'FROM a\nRUN true\n' },
    ]);
    for (const chunk of [1, 7, 512, 513, 100_000]) {
      const r = await scan(tar, { chunk });
      expect(r.error).toBeUndefined();
      expect(r.seen).toEqual(['FROM a\nRUN true\n']);
      expect(r.entries.map((e) => [e.name, e.data.toString()])).toEqual([
        ['data.txt', 'x'.repeat(700)],
        ['Dockerfile', 'rewritten:FROM a\nRUN true\n'],
      ]);
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
    expect(r.entries.map((e) => e.name)).toContain(`${'x'.repeat(120)}/f`);
  });
  it('a pax header that renames an entry to Dockerfile is the Dockerfile for ds01 and for Docker', async () => {
    const rec = 'path=Dockerfile\n';
    const line = `${rec.length + 3} ${rec}`; // "NN path=…\n", NN counting itself
    const tar = await packTar([
      { name: 'PaxHeaders/innocent', data: line },
      { name: 'innocent', data: 'FROM smuggled\n' },
    ]);
    tar[156] = 'x'.charCodeAt(0); // make the first entry a pax extended header
    fixChecksum(tar, 0);
    const r = await scan(tar);
    expect(r.seen).toEqual(['FROM smuggled\n']);
    // What Docker gets has no pax header left: the entry is written under the name ds01 read.
    expect(r.entries.map((e) => e.name)).toEqual(['Dockerfile']);
  });
  it('a refused Dockerfile: the output never becomes a complete archive', async () => {
    const tar = await packTar([
      { name: 'a', data: 'x' },
      { name: 'Dockerfile', data: 'FROM evil\n' },
    ]);
    const r = await scan(tar, {
      chunk: 512,
      rewrite: async () => {
        throw new ContextError('FORBIDDEN', 'no');
      },
    });
    expect(r.error?.code).toBe('FORBIDDEN');
    expect(r.out.includes(Buffer.from('FROM evil'))).toBe(false);
    await expect(unpackTar(r.out)).resolves.not.toContainEqual(
      expect.objectContaining({ name: 'Dockerfile' }),
    );
  });
  it('refuses a context over the size limit while it streams', async () => {
    const tar = await packTar([
      { name: 'Dockerfile', data: 'FROM a\n' },
      { name: 'big', data: Buffer.alloc(64 * 1024) },
    ]);
    const r = await scan(tar, { maxBytes: 16 * 1024, chunk: 4096 });
    expect(r.error?.code).toBe('PAYLOAD_TOO_LARGE');
  });
  it('refuses no Dockerfile, a Dockerfile that is a link, and two Dockerfiles', async () => {
    const none = await scan(await packTar([{ name: 'other', data: 'x' }]));
    expect(none.error?.message).toMatch(/no Dockerfile/);
    const link = gnuTar((d) => {
      writeFileSync(join(d, 'real'), 'FROM a\n');
      symlinkSync('real', join(d, 'Dockerfile'));
    });
    expect((await scan(link)).error?.message).toMatch(/must be a regular file/);
    for (const names of [
      ['Dockerfile', 'dockerfile'],
      ['Dockerfile', './Dockerfile'],
      ['dockerfile', 'x/../dockerfile'],
    ]) {
      const two = await scan(await rawTar(names.map((name) => ({ name, data: 'FROM a\n' }))));
      expect([names, two.error?.message]).toEqual([names, expect.stringMatching(/more than one Dockerfile/)]);
    }
  });
  it('the lower-case dockerfile Docker falls back to is read and written as Dockerfile', async () => {
    const r = await scan(await packTar([{ name: 'dockerfile', data: 'FROM lower\n' }]));
    expect(r.seen).toEqual(['FROM lower\n']);
    expect(r.entries.map((e) => e.name)).toEqual(['Dockerfile']);
  });
  it('nothing climbs out of the context; devices and fifos are refused', async () => {
    const climbing = await rawTar([
      { name: 'Dockerfile', data: 'FROM a\n' },
      { name: 'x/../../../etc/passwd', data: 'p' },
    ]);
    expect((await scan(climbing)).entries.map((e) => e.name)).toEqual(['Dockerfile', 'etc/passwd']);
    const fifo = gnuTar((d) => {
      writeFileSync(join(d, 'Dockerfile'), 'FROM a\n');
      execFileSync('mkfifo', [join(d, 'pipe')]);
    });
    expect((await scan(fifo)).error?.message).toMatch(/only files, directories and links/);
  });
});

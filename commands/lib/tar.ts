// A tiny ustar writer for build contexts made of a few small files (image-create sends just the
// Dockerfile), so the CLI needs neither a tar dependency nor a system tar.

export interface TarFile {
  name: string; // relative path, under 100 bytes
  body: string | Buffer;
  mode?: number;
  mtime?: number; // seconds
}

function field(buf: Buffer, off: number, len: number, value: string) {
  buf.write(value, off, len, 'utf8');
}

function octal(n: number, len: number): string {
  return `${n.toString(8).padStart(len - 1, '0')}\0`;
}

function header(f: TarFile, size: number): Buffer {
  const name = Buffer.from(f.name, 'utf8');
  if (!f.name || name.length > 99 || f.name.startsWith('/') || f.name.split('/').includes('..'))
    throw new Error(`tar: "${f.name}" is not a short relative path`);
  const h = Buffer.alloc(512, 0);
  field(h, 0, 100, f.name);
  field(h, 100, 8, octal(f.mode ?? 0o644, 8));
  field(h, 108, 8, octal(0, 8)); // uid: the daemon ignores ownership in a context
  field(h, 116, 8, octal(0, 8));
  field(h, 124, 12, octal(size, 12));
  field(h, 136, 12, octal(Math.floor(f.mtime ?? 0), 12));
  field(h, 148, 8, '        '); // checksum placeholder: spaces while summing
  h[156] = 0x30; // '0' regular file
  field(h, 257, 6, 'ustar\0');
  field(h, 263, 2, '00');
  let sum = 0;
  for (const b of h) sum += b;
  field(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** A complete tar archive of the given files. */
export function tarArchive(files: TarFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const body = typeof f.body === 'string' ? Buffer.from(f.body, 'utf8') : f.body;
    parts.push(header(f, body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512, 0));
  }
  parts.push(Buffer.alloc(1024, 0)); // end of archive
  return Buffer.concat(parts);
}

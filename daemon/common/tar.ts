// Tar archives in memory, for both sides: the CLI packs a build context, the daemon packs files for
// Docker's archive API (/etc/passwd, an owned home directory) and reads a file back out of one.
// tar-stream writes ustar and falls back to a pax header for long paths, so no name limit applies.
// No I/O: buffers in, buffers out.
import tar from 'tar-stream';

export interface TarEntry {
  /** Relative path, e.g. `etc/passwd` or `home/alice` (a directory); never absolute, never `..`. */
  name: string;
  type?: 'file' | 'dir'; // default file
  data?: string | Buffer;
  mode?: number; // default 0644 for files, 0755 for directories
  uid?: number; // default 0: a build context's ownership is ignored by Docker
  gid?: number;
  mtime?: number; // seconds; default 0 so an archive of the same files is the same bytes
}

export class TarError extends Error {
  override name = 'TarError';
}

function checkName(name: string) {
  if (!name || name.startsWith('/') || name.split('/').includes('..'))
    throw new TarError(`tar: "${name}" is not a relative path inside the archive`);
}

/** A complete tar archive of the given entries, in order. */
export async function packTar(entries: readonly TarEntry[]): Promise<Buffer> {
  for (const e of entries) checkName(e.name);
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (c: Buffer) => chunks.push(c));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const e of entries) {
    const dir = e.type === 'dir';
    const header: tar.Headers = {
      name: e.name,
      type: dir ? 'directory' : 'file',
      mode: e.mode ?? (dir ? 0o755 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime: new Date((e.mtime ?? 0) * 1000),
    };
    if (dir) pack.entry(header);
    else
      pack.entry(
        header,
        typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : (e.data ?? Buffer.alloc(0)),
      );
  }
  pack.finalize();
  return done;
}

export interface ReadEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'link' | 'other';
  data: Buffer;
}

const KNOWN = new Set(['file', 'directory', 'symlink', 'link']);

/** Every entry of an archive (pax and GNU long names already applied), with its contents. */
export async function unpackTar(buf: Buffer): Promise<ReadEntry[]> {
  const extract = tar.extract();
  const out: ReadEntry[] = [];
  const done = new Promise<ReadEntry[]>((resolve, reject) => {
    extract.on('entry', (h: tar.Headers, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const type = (KNOWN.has(h.type ?? 'file') ? (h.type ?? 'file') : 'other') as ReadEntry['type'];
        out.push({ name: h.name, type, data: Buffer.concat(chunks) });
        next();
      });
      stream.on('error', reject);
    });
    extract.on('finish', () => resolve(out));
    extract.on('error', reject);
  });
  extract.end(buf);
  return done;
}

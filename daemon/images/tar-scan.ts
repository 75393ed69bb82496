// A pass-through for an uploaded build context (a tar stream): counts bytes against a limit and reads
// the Dockerfile as it goes by, so the daemon can check it before Docker has the whole context. A check
// that fails errors the stream before its end, so Docker never receives a complete upload to build.
import { posix } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';

const BLOCK = 512;
/** Docker reads `Dockerfile`, falling back to `dockerfile` (builder/remotecontext/detect.go). */
const DOCKERFILE_NAMES = new Set(['Dockerfile', 'dockerfile']);
const MAX_DOCKERFILE = 1024 * 1024;

export class ContextError extends Error {
  constructor(
    readonly code: 'PAYLOAD_TOO_LARGE' | 'BAD_REQUEST' | 'FORBIDDEN',
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ContextError';
  }
}

export interface ScanOptions {
  maxBytes: number;
  /** Called with each Dockerfile's text; throw a ContextError to refuse the build. */
  check: (dockerfile: string) => void;
}

function octal(buf: Buffer, off: number, len: number): number {
  // GNU base-256 for sizes over 8 GiB: the first byte has its top bit set.
  if ((buf[off] ?? 0) & 0x80) {
    let n = 0;
    for (let i = off + 1; i < off + len; i++) n = n * 256 + (buf[i] ?? 0);
    return n;
  }
  const s = buf
    .toString('ascii', off, off + len)
    .replace(/\0.*$/, '')
    .trim();
  return s ? Number.parseInt(s, 8) : 0;
}

function cstr(buf: Buffer, off: number, len: number): string {
  const end = buf.indexOf(0, off);
  return buf.toString('utf8', off, end >= 0 && end < off + len ? end : off + len);
}

/** `path=` from a pax extended header body. */
function paxPath(body: Buffer): string | undefined {
  let i = 0;
  let path: string | undefined;
  while (i < body.length) {
    const sp = body.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(body.toString('ascii', i, sp));
    if (!len) break;
    const rec = body.toString('utf8', sp + 1, i + len - 1);
    if (rec.startsWith('path=')) path = rec.slice(5);
    i += len;
  }
  return path;
}

function normalise(name: string): string {
  return posix.normalize(`/${name}`).slice(1).replace(/\/$/, '');
}

type Entry = { name: string; type: string; size: number; remaining: number; capture: Buffer[] | null };

export class ContextScanner extends Transform {
  bytes = 0;
  dockerfiles = 0;
  private pending: Buffer = Buffer.alloc(0);
  private entry: Entry | null = null;
  private nextName: string | undefined; // from a pax 'x' or GNU 'L' header
  private padding = 0;
  private ended = false;

  constructor(private readonly opts: ScanOptions) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
    this.bytes += chunk.length;
    if (this.bytes > this.opts.maxBytes) {
      return done(
        new ContextError(
          'PAYLOAD_TOO_LARGE',
          `the build context is over ${Math.round(this.opts.maxBytes / 1048576)} MiB`,
          'send only what the Dockerfile needs (image-create sends just the Dockerfile); keep data out of the image',
        ),
      );
    }
    try {
      this.consume(chunk);
    } catch (err) {
      return done(err as Error);
    }
    done(null, chunk); // only after the checks above: a refused Dockerfile never reaches Docker whole
  }

  override _flush(done: TransformCallback) {
    if (this.dockerfiles === 0)
      return done(new ContextError('BAD_REQUEST', 'the build context has no Dockerfile at its top level'));
    done();
  }

  private consume(chunk: Buffer) {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let off = 0;
    for (;;) {
      if (this.ended) {
        off = this.pending.length;
        break;
      }
      if (this.padding) {
        const n = Math.min(this.padding, this.pending.length - off);
        this.padding -= n;
        off += n;
        if (this.padding) break;
      }
      if (this.entry) {
        const e = this.entry;
        const n = Math.min(e.remaining, this.pending.length - off);
        if (e.capture) e.capture.push(this.pending.subarray(off, off + n));
        e.remaining -= n;
        off += n;
        if (e.remaining) break;
        this.finish(e);
        this.entry = null;
        this.padding = (BLOCK - (e.size % BLOCK)) % BLOCK;
        continue;
      }
      if (this.pending.length - off < BLOCK) break;
      this.header(this.pending.subarray(off, off + BLOCK));
      off += BLOCK;
    }
    this.pending = Buffer.from(this.pending.subarray(off));
  }

  private header(h: Buffer) {
    if (h.every((b) => b === 0)) {
      this.ended = true; // end-of-archive; anything after is ignored by tar readers
      return;
    }
    const type = String.fromCharCode(h[156] || 0x30);
    const size = octal(h, 124, 12);
    const prefix = cstr(h, 345, 155);
    const name = this.nextName ?? (prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100));
    if (type !== 'x' && type !== 'L') this.nextName = undefined;
    const path = normalise(name);
    const isDockerfile = DOCKERFILE_NAMES.has(path);
    if (isDockerfile && type !== '0' && type !== '\0' && type !== '7')
      throw new ContextError(
        'BAD_REQUEST',
        `${path} in the build context must be a regular file, not a link`,
      );
    if (isDockerfile && size > MAX_DOCKERFILE)
      throw new ContextError('PAYLOAD_TOO_LARGE', `${path} is over 1 MiB`);
    const capture = isDockerfile || type === 'x' || type === 'L' ? [] : null;
    this.entry = { name: path, type, size, remaining: size, capture };
    if (size === 0) {
      this.finish(this.entry);
      this.entry = null;
    }
  }

  private finish(e: Entry) {
    if (!e.capture) return;
    const body = Buffer.concat(e.capture);
    if (e.type === 'x') this.nextName = paxPath(body) ?? this.nextName;
    else if (e.type === 'L') this.nextName = cstr(body, 0, body.length);
    else {
      this.dockerfiles++;
      this.opts.check(body.toString('utf8'));
    }
  }
}

// The build context Docker receives is an archive ds01 WROTE: the client's tar stream is read entry by
// entry (tar-stream) and each entry is written again with a header of ds01's (name, type, mode, size —
// nothing else: no pax extras, xattrs or sparse maps), so ds01 and Docker read the same archive by
// construction. The Dockerfile is held back, handed to `rewrite` (which refuses it or returns the one
// Docker builds), and written as `Dockerfile`. A refusal or an over-size upload destroys the output
// before it is complete, so Docker never gets a whole context to build.
import { posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import tar from 'tar-stream';

/** Docker reads `Dockerfile`, falling back to `dockerfile` (builder/remotecontext/detect.go). */
const DOCKERFILE_NAMES = new Set(['Dockerfile', 'dockerfile']);
const MAX_DOCKERFILE = 1024 * 1024;
const TYPES = new Set(['file', 'directory', 'symlink', 'link']);

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

export interface RepackOptions {
  maxBytes: number;
  /** The Dockerfile's text → the Dockerfile to build; throw (a ContextError) to refuse the build. */
  rewrite: (dockerfile: string) => Promise<string>;
  /** Called once with the reason the context was refused or could not be read. */
  onError: (err: ContextError) => void;
}

/** An entry name inside the context (`./a/../b/` → `b`; nothing climbs out of it); '' for the top. */
function contextPath(name: string): string {
  return posix.normalize(`/${name}`).slice(1).replace(/\/$/, '');
}

/** Read `input` (the client's tar), return the archive to hand Docker. */
export function repackContext(input: Readable, opts: RepackOptions): Readable {
  const extract = tar.extract();
  const pack = tar.pack();
  const out = new PassThrough();
  let failed = false;
  let dockerfiles = 0;
  let bytes = 0;

  const fail = (err: unknown) => {
    if (failed) return;
    failed = true;
    const e =
      err instanceof ContextError
        ? err
        : new ContextError(
            'BAD_REQUEST',
            `the build context is not a readable tar archive (${(err as Error)?.message ?? err})`,
            'send a tar of the build directory (image-create does this for you)',
          );
    opts.onError(e);
    input.unpipe(extract);
    extract.destroy();
    pack.destroy();
    out.destroy(e);
  };

  input.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > opts.maxBytes)
      fail(
        new ContextError(
          'PAYLOAD_TOO_LARGE',
          `the build context is over ${Math.round(opts.maxBytes / 1048576)} MiB`,
          'send only what the Dockerfile needs (image-create sends just the Dockerfile); keep data out of the image',
        ),
      );
  });
  input.on('error', (err) =>
    fail(
      (err as { code?: string }).code === 'PAYLOAD_TOO_LARGE'
        ? new ContextError(
            'PAYLOAD_TOO_LARGE',
            `the build context is over ${Math.round(opts.maxBytes / 1048576)} MiB`,
          )
        : err,
    ),
  );
  extract.on('error', fail);
  pack.on('error', fail);
  out.on('error', () => undefined); // reported through onError; the reader sees the destroy

  extract.on('entry', (h: tar.Headers, stream: Readable, next: (err?: unknown) => void) => {
    stream.on('error', fail);
    const type = h.type ?? 'file';
    const path = contextPath(h.name);
    if (path === '') {
      stream.resume(); // the top directory itself
      return next();
    }
    if (!TYPES.has(type))
      return fail(
        new ContextError(
          'BAD_REQUEST',
          `"${path}" in the build context is a ${type}; only files, directories and links are allowed`,
        ),
      );
    if (DOCKERFILE_NAMES.has(path)) {
      if (type !== 'file')
        return fail(
          new ContextError('BAD_REQUEST', `${path} in the build context must be a regular file, not a link`),
        );
      if (++dockerfiles > 1)
        return fail(
          new ContextError(
            'BAD_REQUEST',
            'the build context has more than one Dockerfile (Dockerfile, dockerfile, or one name twice)',
            'keep one file named Dockerfile at the top',
          ),
        );
      if ((h.size ?? 0) > MAX_DOCKERFILE)
        return fail(new ContextError('PAYLOAD_TOO_LARGE', `${path} is over 1 MiB`));
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        opts
          .rewrite(Buffer.concat(chunks).toString('utf8'))
          .then((text) => {
            if (failed) return;
            pack.entry({ name: 'Dockerfile', type: 'file', mode: 0o644, mtime: new Date(0) }, text, (err) =>
              err ? fail(err) : next(),
            );
          })
          .catch(fail);
      });
      return;
    }
    const header: tar.Headers = {
      name: path,
      type: type as 'file' | 'directory' | 'symlink' | 'link',
      mode: (h.mode ?? 0o644) & 0o7777,
      mtime: h.mtime ?? new Date(0),
      uid: 0,
      gid: 0,
      ...(type === 'file' ? { size: h.size ?? 0 } : {}),
      ...(type === 'symlink' ? { linkname: h.linkname ?? '' } : {}),
      ...(type === 'link' ? { linkname: contextPath(h.linkname ?? '') } : {}),
    };
    if (type !== 'file') {
      pack.entry(header, (err) => (err ? fail(err) : next()));
      stream.resume();
      return;
    }
    const entry = pack.entry(header, (err) => (err ? fail(err) : next()));
    stream.pipe(entry);
  });
  extract.on('finish', () => {
    if (failed) return;
    if (dockerfiles === 0)
      return fail(new ContextError('BAD_REQUEST', 'the build context has no Dockerfile at its top level'));
    pack.finalize();
  });

  pack.pipe(out);
  input.pipe(extract);
  return out;
}

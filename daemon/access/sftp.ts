// SFTP for one channel: ssh2 parses the protocol here; every file operation is forwarded to a helper
// process that runs as the container's owner inside the container's root (sftp-helper.ts). The daemon
// itself never opens a path the user names.
import { type ChildProcess, spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import ssh2, { type Attributes, type SFTPWrapper } from 'ssh2';
import { daemonFile } from '../paths.js';
import type { AccessTarget } from './target.js';

const HELPER_JS = daemonFile('access/sftp-helper.js');
const { STATUS_CODE } = ssh2.utils.sftp;
const READDIR_BATCH = 100;

class HelperError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; code: string };

/** The helper process, as a promise-returning RPC. */
class FileHelper {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private seq = 0;
  readonly ready: Promise<void>;
  private readonly child: ChildProcess;

  constructor(t: AccessTarget) {
    this.child = spawn(
      process.execPath,
      [HELPER_JS, String(t.pid), String(t.ownerUid), String(t.ownerGid), '/workspace'],
      { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' },
    );
    let err = '';
    this.child.stderr?.on('data', (d: Buffer) => {
      err += d.toString('utf8');
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('exit', (code) => reject(new Error(`sftp helper exited (${code}): ${err.trim()}`)));
      this.child.on('message', (m: Reply | { ready: true }) => {
        if ('ready' in m) return resolve();
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.value);
        else p.reject(new HelperError(m.code));
      });
    });
    this.ready.catch(() => undefined);
    this.child.once('exit', () => {
      for (const p of this.pending.values()) p.reject(new HelperError('EIO'));
      this.pending.clear();
    });
  }

  call<T>(op: string, ...args: unknown[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = ++this.seq;
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      if (!this.child.connected) return reject(new HelperError('EIO'));
      this.child.send({ id, op, args });
    });
  }

  stop() {
    if (this.child.connected) this.child.disconnect();
    this.child.kill();
  }
}

function statusOf(err: unknown): number {
  const code = err instanceof HelperError ? err.code : '';
  if (code === 'ENOENT' || code === 'ENOTDIR') return STATUS_CODE.NO_SUCH_FILE;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return STATUS_CODE.PERMISSION_DENIED;
  if (code === 'ENOSYS') return STATUS_CODE.OP_UNSUPPORTED;
  return STATUS_CODE.FAILURE;
}

/** SFTP open flags → open(2) flags; null for a combination that opens for neither reading nor writing. */
export function openFlags(flags: number): number | null {
  const { READ, WRITE, APPEND, CREAT, TRUNC, EXCL } = ssh2.utils.sftp.OPEN_MODE;
  const r = (flags & READ) !== 0;
  const w = (flags & WRITE) !== 0 || (flags & APPEND) !== 0;
  if (!r && !w) return null;
  let out = r && w ? fsConstants.O_RDWR : w ? fsConstants.O_WRONLY : fsConstants.O_RDONLY;
  if (flags & APPEND) out |= fsConstants.O_APPEND;
  if (flags & CREAT) out |= fsConstants.O_CREAT;
  if (flags & TRUNC) out |= fsConstants.O_TRUNC;
  if (flags & EXCL) out |= fsConstants.O_EXCL;
  return out;
}

function setAttrs(a: Partial<Attributes> | undefined) {
  const out: Partial<Attributes> = {};
  for (const k of ['mode', 'uid', 'gid', 'size', 'atime', 'mtime'] as const)
    if (typeof a?.[k] === 'number') out[k] = a[k];
  return out;
}

/** Serve one SFTP channel until it closes. */
export function serveSftp(sftp: SFTPWrapper, t: AccessTarget): Promise<void> {
  const helper = new FileHelper(t);
  const handles = new Map<number, { file: number } | { dir: ssh2.FileEntry[] | null; path: string }>();
  let nextHandle = 1;
  const handleBuf = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const handleOf = (b: Buffer) => (b.length === 4 ? handles.get(b.readUInt32BE(0)) : undefined);
  const ok = (reqid: number) => () => sftp.status(reqid, STATUS_CODE.OK);
  const attrsOf = (reqid: number) => (a: Attributes) => sftp.attrs(reqid, a);
  const nameOf = (reqid: number) => (p: string) =>
    sftp.name(reqid, [{ filename: p, longname: p, attrs: {} as Attributes }]);

  // Requests are answered one at a time, in the order they came, as OpenSSH's sftp-server does: its
  // client tracks the highest contiguous offset of a download and, writing in place (scp), truncates
  // the file there if answers come back out of order.
  let chain: Promise<unknown> = helper.ready;
  // ssh2 hands us views of its packet buffer, which the next packet reuses: copy them before queueing.
  const on = <A extends unknown[]>(
    event: string,
    handler: (reqid: number, ...args: A) => Promise<void> | void,
  ) =>
    sftp.on(event, (reqid: number, ...args: A) => {
      const own = args.map((a) => (Buffer.isBuffer(a) ? Buffer.from(a) : a)) as A;
      chain = chain
        .then(() => handler(reqid, ...own))
        .catch((err: unknown) => sftp.status(reqid, statusOf(err)));
    });
  const call = <T>(op: string, ...args: unknown[]) => helper.call<T>(op, ...args);
  const file = (handle: Buffer) => {
    const h = handleOf(handle);
    if (!h || !('file' in h)) throw new HelperError('EBADF');
    return h.file;
  };

  on('REALPATH', (reqid, path: string) => call<string>('realpath', path).then(nameOf(reqid)));
  on('STAT', (reqid, path: string) => call<Attributes>('stat', path).then(attrsOf(reqid)));
  on('LSTAT', (reqid, path: string) => call<Attributes>('lstat', path).then(attrsOf(reqid)));
  on('OPEN', async (reqid, filename: string, flags: number, attrs: Attributes | undefined) => {
    const mode = openFlags(flags);
    if (mode === null) return void sftp.status(reqid, STATUS_CODE.OP_UNSUPPORTED);
    const fd = await call<number>('open', filename, mode, attrs?.mode);
    const h = nextHandle++;
    handles.set(h, { file: fd });
    sftp.handle(reqid, handleBuf(h));
  });
  on('READ', async (reqid, handle: Buffer, offset: number, len: number) => {
    const data = await call<Uint8Array>('read', file(handle), offset, len);
    if (data.length) sftp.data(reqid, Buffer.from(data));
    else sftp.status(reqid, STATUS_CODE.EOF);
  });
  on('WRITE', (reqid, handle: Buffer, offset: number, data: Buffer) =>
    call('write', file(handle), offset, data).then(ok(reqid)),
  );
  on('FSTAT', (reqid, handle: Buffer) => call<Attributes>('fstat', file(handle)).then(attrsOf(reqid)));
  on('FSETSTAT', (reqid, handle: Buffer, attrs: Attributes) =>
    call('fsetstat', file(handle), setAttrs(attrs)).then(ok(reqid)),
  );
  on('SETSTAT', (reqid, path: string, attrs: Attributes) =>
    call('setstat', path, setAttrs(attrs)).then(ok(reqid)),
  );
  on('CLOSE', async (reqid, handle: Buffer) => {
    const h = handleOf(handle);
    if (!h) throw new HelperError('EBADF');
    handles.delete(handle.readUInt32BE(0));
    if ('file' in h) await call('close', h.file);
    sftp.status(reqid, STATUS_CODE.OK);
  });
  on('OPENDIR', async (reqid, path: string) => {
    await call('opendir', path);
    const h = nextHandle++;
    handles.set(h, { dir: null, path });
    sftp.handle(reqid, handleBuf(h));
  });
  on('READDIR', async (reqid, handle: Buffer) => {
    const h = handleOf(handle);
    if (!h || !('dir' in h)) throw new HelperError('EBADF');
    if (!h.dir) h.dir = await call<ssh2.FileEntry[]>('readdir', h.path);
    const batch = h.dir.splice(0, READDIR_BATCH);
    if (batch.length) sftp.name(reqid, batch);
    else sftp.status(reqid, STATUS_CODE.EOF);
  });
  on('MKDIR', (reqid, path: string, attrs: Attributes | undefined) =>
    call('mkdir', path, attrs?.mode).then(ok(reqid)),
  );
  on('RMDIR', (reqid, path: string) => call('rmdir', path).then(ok(reqid)));
  on('REMOVE', (reqid, path: string) => call('unlink', path).then(ok(reqid)));
  on('RENAME', (reqid, from: string, to: string) => call('rename', from, to).then(ok(reqid)));
  on('READLINK', (reqid, path: string) => call<string>('readlink', path).then(nameOf(reqid)));
  // ssh2 undoes OpenSSH's swapped SYMLINK arguments: this is always (link, target).
  on('SYMLINK', (reqid, linkPath: string, targetPath: string) =>
    call('symlink', targetPath, linkPath).then(ok(reqid)),
  );
  on('EXTENDED', (reqid) => void sftp.status(reqid, STATUS_CODE.OP_UNSUPPORTED));

  return new Promise<void>((resolve) => {
    let over = false;
    const end = () => {
      if (over) return;
      over = true;
      helper.stop();
      // The client has sent EOF: finish as OpenSSH's sftp-server does by exiting 0. ssh2's SFTP stream has
      // no exit(); without an exit-status the client's ssh exits 255 and scp reports failure.
      const inner = sftp as unknown as {
        outgoing?: { id: number; state: string };
        _protocol?: { exitStatus(chan: number, status: number): void };
      };
      if (inner.outgoing?.state === 'open' || inner.outgoing?.state === 'eof')
        inner._protocol?.exitStatus(inner.outgoing.id, 0);
      sftp.end();
      resolve();
    };
    sftp.once('close', end);
    sftp.once('end', end);
    helper.ready.catch(end);
  });
}

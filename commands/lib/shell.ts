// The client end of the shell: an HTTP Upgrade on the daemon's socket, then frames both ways (see
// SHELL_FRAME). On a terminal it goes raw, so Ctrl-C and Ctrl-D reach the shell as in ssh; window size
// changes are sent as resize frames; the result is the remote exit code.
import { request } from 'node:http';
import { type ErrorBody, isErrorCode } from '../../daemon/api/types/errors.js';
import { encodeFrame, FrameDecoder, SHELL_FRAME } from '../../daemon/api/types/shell-frames.js';
import { ApiError, type Client, connectError } from './client.js';

export interface ShellIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

const processShellIo = (): ShellIo => ({
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});

function errorFrom(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as ErrorBody;
    if (isErrorCode(body.error?.code))
      return new ApiError(body.error.code, body.error.message, status, body.error.hint, body.error.details);
  } catch {
    // fall through
  }
  return new ApiError('INTERNAL', `daemon answered ${status}: ${text.slice(0, 200)}`, status);
}

/** Open a shell (or run `cmd`) in a container; resolves with the remote exit code. */
export async function openShell(
  client: Client,
  ref: string,
  cmd: string[] = [],
  io: ShellIo = processShellIo(),
): Promise<number> {
  const tty = Boolean(io.stdin.isTTY && io.stdout.isTTY);
  const q = new URLSearchParams();
  if (tty) {
    q.set('tty', '1');
    q.set('cols', String(io.stdout.columns || 80));
    q.set('rows', String(io.stdout.rows || 24));
  }
  if (process.env.TERM) q.set('term', process.env.TERM);
  for (const c of cmd) q.append('cmd', c);
  await client.passGate(); // unread notices before the session, not after it
  return new Promise<number>((resolve, reject) => {
    const req = request({
      socketPath: client.socket,
      method: 'POST',
      path: `/v1/containers/${encodeURIComponent(ref)}/exec?${q}`,
      headers: { Host: 'ds01', Connection: 'Upgrade', Upgrade: 'tcp' },
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      reject(connectError(client.socket, err));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(errorFrom(res.statusCode ?? 500, Buffer.concat(chunks).toString('utf8'))));
    });
    req.on('upgrade', (_res, socket, head) => {
      const decoder = new FrameDecoder();
      let exitCode: number | null = null;
      const wasRaw = tty && io.stdin.isRaw;
      if (tty) io.stdin.setRawMode(true);
      const onInput = (d: Buffer) => socket.write(encodeFrame(SHELL_FRAME.STDIN, d));
      const onInputEnd = () => socket.write(encodeFrame(SHELL_FRAME.STDIN_EOF));
      const onResize = () =>
        socket.write(
          encodeFrame(SHELL_FRAME.RESIZE, JSON.stringify({ cols: io.stdout.columns, rows: io.stdout.rows })),
        );
      io.stdin.on('data', onInput);
      io.stdin.on('end', onInputEnd);
      io.stdin.resume();
      if (tty) process.on('SIGWINCH', onResize);
      const onFrames = (chunk: Buffer) => {
        for (const f of decoder.push(chunk)) {
          if (f.type === SHELL_FRAME.STDOUT) io.stdout.write(f.payload);
          else if (f.type === SHELL_FRAME.STDERR) io.stderr.write(f.payload);
          else if (f.type === SHELL_FRAME.EXIT) {
            const end = JSON.parse(f.payload.toString('utf8')) as {
              exitCode: number | null;
              notice?: string;
            };
            exitCode = end.exitCode ?? 1;
            // Who stopped the container under this shell, and why: the last line the user sees.
            if (typeof end.notice === 'string') io.stderr.write(`\r\n${end.notice}\r\n`);
          }
        }
      };
      if (head.length) onFrames(head);
      socket.on('data', onFrames);
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        io.stdin.off('data', onInput);
        io.stdin.off('end', onInputEnd);
        io.stdin.pause();
        if (tty) {
          io.stdin.setRawMode(wasRaw);
          process.off('SIGWINCH', onResize);
        }
        if (exitCode === null) {
          io.stderr.write('\r\nds01: the connection to the shell was lost\r\n');
          resolve(1);
        } else resolve(exitCode);
      };
      socket.on('end', finish);
      socket.on('close', finish);
      socket.on('error', finish);
    });
    req.end();
  });
}

// Joins a client's upgraded socket to a Docker exec: the client's frames (stdin, resize, EOF) go to the
// exec; the exec's output goes back as frames, then one EXIT frame with the exit code, then the socket
// closes. A client that goes away ends its exec stream; the session count drops either way.
import type { Duplex } from 'node:stream';
import { StreamDemuxer } from '../docker/demux.js';
import type { ShellSession } from '../services/containers/index.js';
import { SHELL_FRAME } from './types/containers.js';
import { encodeFrame, FrameDecoder } from './types/shell-frames.js';

const MAX_DIM = 10_000;

export function bridgeShell(
  socket: Duplex,
  head: Buffer,
  session: ShellSession,
  onEnd: (exitCode: number | null) => void,
): void {
  const decoder = new FrameDecoder();
  let finished = false;

  const onClient = (chunk: Buffer) => {
    let frames: { type: number; payload: Buffer }[];
    try {
      frames = decoder.push(chunk);
    } catch {
      socket.destroy(); // a broken or hostile client: drop it, the exec ends with it
      return;
    }
    for (const f of frames) {
      if (f.type === SHELL_FRAME.STDIN) session.stream.write(f.payload);
      else if (f.type === SHELL_FRAME.STDIN_EOF) session.stream.end();
      else if (f.type === SHELL_FRAME.RESIZE) {
        try {
          const { cols, rows } = JSON.parse(f.payload.toString('utf8')) as { cols: unknown; rows: unknown };
          if (
            Number.isInteger(cols) &&
            Number.isInteger(rows) &&
            (cols as number) > 0 &&
            (rows as number) > 0 &&
            (cols as number) <= MAX_DIM &&
            (rows as number) <= MAX_DIM
          )
            void session.resize(cols as number, rows as number);
        } catch {
          // a malformed resize is ignored, not fatal
        }
      }
    }
  };
  if (head.length) onClient(head);
  socket.on('data', onClient);

  const demuxer = session.tty ? null : new StreamDemuxer();
  session.stream.on('data', (chunk: Buffer) => {
    if (!demuxer) {
      socket.write(encodeFrame(SHELL_FRAME.STDOUT, chunk));
      return;
    }
    for (const c of demuxer.push(chunk))
      socket.write(encodeFrame(c.stream === 'stderr' ? SHELL_FRAME.STDERR : SHELL_FRAME.STDOUT, c.data));
  });

  const finish = async (clientGone: boolean) => {
    if (finished) return;
    finished = true;
    const code = clientGone ? null : await session.exitCode();
    // Read after the exit: the stop that ended the exec set its line before Docker stopped the container.
    const notice = clientGone ? null : session.endNotice();
    session.close();
    if (!clientGone)
      socket.end(
        encodeFrame(
          SHELL_FRAME.EXIT,
          JSON.stringify(notice ? { exitCode: code, notice } : { exitCode: code }),
        ),
      );
    onEnd(code);
  };
  session.stream.on('end', () => void finish(false));
  session.stream.on('close', () => void finish(false));
  session.stream.on('error', () => void finish(false));
  socket.on('close', () => void finish(true));
  socket.on('error', () => void finish(true));
}

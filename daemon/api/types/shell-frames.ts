// The shell's framing (the protocol is described where containers.ts re-exports SHELL_FRAME): 1 byte type,
// 4 bytes big-endian length, payload. Shared by the daemon and the CLI; pure (no zod: the CLI bundle stays small).

export const SHELL_FRAME = {
  STDIN: 0,
  STDOUT: 1,
  STDERR: 2,
  RESIZE: 3,
  STDIN_EOF: 4,
  EXIT: 5,
} as const;
export type ShellFrameType = (typeof SHELL_FRAME)[keyof typeof SHELL_FRAME];

export const MAX_FRAME = 1024 * 1024;

export function encodeFrame(type: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const head = Buffer.alloc(5);
  head.writeUInt8(type, 0);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** Incremental decoder: feed bytes as they arrive, get whole frames back. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): { type: number; payload: Buffer }[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: { type: number; payload: Buffer }[] = [];
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32BE(1);
      if (len > MAX_FRAME) throw new Error(`shell frame of ${len} bytes is over the ${MAX_FRAME} limit`);
      if (this.buf.length < 5 + len) break;
      out.push({ type: this.buf.readUInt8(0), payload: this.buf.subarray(5, 5 + len) });
      this.buf = this.buf.subarray(5 + len);
    }
    return out;
  }
}

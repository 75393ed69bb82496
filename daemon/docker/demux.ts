// Docker's multiplexed stream (logs, and exec without a TTY): 8-byte headers [stream, 0, 0, 0, size BE]
// then the payload. Incremental and pure.

export interface DemuxedChunk {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

export class StreamDemuxer {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): DemuxedChunk[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: DemuxedChunk[] = [];
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      out.push({ stream: this.buf[0] === 2 ? 'stderr' : 'stdout', data: this.buf.subarray(8, 8 + size) });
      this.buf = this.buf.subarray(8 + size);
    }
    return out;
  }
}

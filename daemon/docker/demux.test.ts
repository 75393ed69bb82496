import { describe, expect, it } from 'vitest';
import { StreamDemuxer } from './demux.js';

const frame = (stream: number, text: string) => {
  const body = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
};

describe('StreamDemuxer', () => {
  it('splits stdout and stderr across arbitrary chunk boundaries', () => {
    const wire = Buffer.concat([frame(1, 'hello\n'), frame(2, 'oops\n'), frame(1, '')]);
    for (const step of [1, 3, 8, 9, wire.length]) {
      const d = new StreamDemuxer();
      const got: string[] = [];
      for (let i = 0; i < wire.length; i += step)
        for (const c of d.push(wire.subarray(i, i + step))) got.push(`${c.stream}:${c.data.toString()}`);
      expect(got).toEqual(['stdout:hello\n', 'stderr:oops\n', 'stdout:']);
    }
  });
});

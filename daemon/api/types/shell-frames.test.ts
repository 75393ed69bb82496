import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, MAX_FRAME } from './shell-frames.js';

describe('shell frames', () => {
  it('decode what was encoded, whatever the chunking', () => {
    const wire = Buffer.concat([
      encodeFrame(0, 'ls\r'),
      encodeFrame(3, '{"cols":100,"rows":30}'),
      encodeFrame(4),
    ]);
    for (const step of [1, 2, 3, 7, wire.length]) {
      const d = new FrameDecoder();
      const got: { type: number; payload: string }[] = [];
      for (let i = 0; i < wire.length; i += step)
        for (const f of d.push(wire.subarray(i, i + step)))
          got.push({ type: f.type, payload: f.payload.toString() });
      expect(got).toEqual([
        { type: 0, payload: 'ls\r' },
        { type: 3, payload: '{"cols":100,"rows":30}' },
        { type: 4, payload: '' },
      ]);
    }
  });
  it('refuses a frame over the limit instead of buffering it', () => {
    const head = Buffer.alloc(5);
    head.writeUInt32BE(MAX_FRAME + 1, 1);
    expect(() => new FrameDecoder().push(head)).toThrow(/over the/);
  });
});

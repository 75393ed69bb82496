import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BuildProgress, jsonLines } from './progress.js';

describe('BuildProgress', () => {
  it('turns Docker messages into steps and output, and keeps the failing step with its output', () => {
    const p = new BuildProgress();
    const events = [
      { stream: 'Step 1/3 : FROM base\n' },
      { stream: ' ---> abc123\n' },
      { stream: 'Step 2/3 : RUN echo hi && fals' },
      { stream: 'e\n' },
      { stream: ' ---> Running in 1234\n' },
      { stream: 'hi\n' },
      { stream: '/bin/sh: false: not found\n' },
      { error: "The command '/bin/sh -c echo hi && false' returned a non-zero code: 127" },
    ].flatMap((m) => p.feed(m));
    expect(events).toEqual([
      { type: 'step', step: 1, total: 3, instruction: 'FROM base' },
      { type: 'step', step: 2, total: 3, instruction: 'RUN echo hi && false' },
      { type: 'output', text: 'hi' },
      { type: 'output', text: '/bin/sh: false: not found' },
    ]);
    expect(p.failure).toMatch(/non-zero code: 127/);
    expect(p.errorEvent('BUILD_FAILED', 'failed')).toEqual({
      type: 'error',
      code: 'BUILD_FAILED',
      message: 'failed',
      step: { step: 2, total: 3, instruction: 'RUN echo hi && false' },
      output: ['hi', '/bin/sh: false: not found'],
    });
  });
  it('records the image id Docker reports', () => {
    const p = new BuildProgress();
    p.feed({ aux: { ID: 'sha256:feed' } });
    expect(p.imageId).toBe('sha256:feed');
  });
});

describe('jsonLines', () => {
  it('reassembles messages split across chunks', async () => {
    const src = Readable.from([
      Buffer.from('{"stream":"a\\n"}\n{"str'),
      Buffer.from('eam":"b\\n"}\n'),
      Buffer.from('{"aux":{"ID":"x"}}'),
    ]);
    const out = [];
    for await (const m of jsonLines(src)) out.push(m);
    expect(out).toEqual([{ stream: 'a\n' }, { stream: 'b\n' }, { aux: { ID: 'x' } }]);
  });
});

import { describe, expect, it } from 'vitest';
import type { BuildEvent } from '../../daemon/api/types/index.js';
import { isInternalStep, showBuild } from './images.js';

async function* events(list: BuildEvent[]) {
  yield* list;
}

describe('showBuild', () => {
  it("hides ds01's internal ARG/LABEL steps and their output", async () => {
    let err = '';
    const io = {
      out: () => undefined,
      err: (s: string) => (err += s),
      isTTY: false,
      color: false,
      columns: 80,
    };
    await showBuild(
      io,
      events([
        { type: 'step', step: 1, total: 4, instruction: 'FROM busybox' },
        { type: 'step', step: 2, total: 4, instruction: 'ARG DS01_UID=1000' },
        { type: 'output', text: 'arg noise' },
        { type: 'step', step: 3, total: 4, instruction: 'LABEL ds01.owner=1000' },
        { type: 'step', step: 4, total: 4, instruction: 'RUN echo hi' },
        { type: 'output', text: 'hi' },
      ] as BuildEvent[]),
    );
    expect(err).toContain('[1/4] FROM busybox');
    expect(err).toContain('[4/4] RUN echo hi');
    expect(err).toContain('  hi');
    expect(err).not.toMatch(/ARG|LABEL|arg noise/);
  });
  it('knows the internal steps', () => {
    expect(isInternalStep('ARG X=1')).toBe(true);
    expect(isInternalStep('label a=b')).toBe(true);
    expect(isInternalStep('RUN echo ARG')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import type { Ctx } from '../lib/context.js';
import { UsageError } from '../lib/prompts.js';
import { guideDeploy } from './deploy-guide.js';

// Without a terminal (as under vitest) each question takes its default or names the flag to pass.
function ctxWith(answers: Record<string, unknown>) {
  const asked: string[] = [];
  let err = '';
  const ctx = {
    client: {
      request: async (path: string) => {
        asked.push(path);
        return answers[path];
      },
    },
    io: { out: () => undefined, err: (s: string) => (err += s), isTTY: false, color: false, columns: 80 },
  } as unknown as Ctx;
  return { ctx, asked, err: () => err };
}

const profile = (p: string, kind: 'full' | 'mig', ge: number, canGet: number) => ({
  profile: p,
  kind,
  gpuEquivalents: ge,
  free: canGet,
  forYou: { canGet },
});

describe('container-deploy --guided', () => {
  it('asks nothing that a flag answered', async () => {
    const { ctx, asked } = ctxWith({});
    const r = await guideDeploy(ctx, 'exp', { image: 'x', cpuOnly: true, background: true });
    expect(r).toEqual({ name: 'exp', flags: { image: 'x', cpuOnly: true, background: true } });
    expect(asked).toEqual([]);
  });

  it('explains, then picks the own image of that name and the smallest slot the user can have now', async () => {
    const { ctx, err } = ctxWith({
      '/images': [{ ref: 'ds01-1000/exp:latest', name: 'exp' }],
      '/images/bases': [{ name: 'pytorch', description: 'PyTorch' }],
      '/gpus/available': {
        profiles: [
          profile('full', 'full', 1, 1),
          profile('1g.10gb', 'mig', 1 / 7, 2),
          profile('3g.40gb', 'mig', 3 / 7, 0),
        ],
      },
    });
    const r = await guideDeploy(ctx, 'exp', {});
    expect(r.flags).toMatchObject({ image: 'ds01-1000/exp:latest', mig: '1g.10gb' });
    expect(err()).toMatch(/GPU slot is a whole GPU or a MIG slice/);
  });

  it('with nothing free, defaults to not queueing; without a name and terminal, names the flag', async () => {
    const { ctx } = ctxWith({
      '/images': [],
      '/images/bases': [{ name: 'pytorch', description: 'PyTorch' }],
      '/gpus/available': { profiles: [profile('full', 'full', 1, 0)] },
    });
    const r = await guideDeploy(ctx, 'exp', {});
    expect(r.flags).toMatchObject({ framework: 'pytorch', gpus: '1', queue: false });
    await expect(guideDeploy(ctx, undefined, {})).rejects.toThrow(UsageError);
  });
});

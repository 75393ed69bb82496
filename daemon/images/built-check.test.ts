import { describe, expect, it } from 'vitest';
import { builtImageProblem } from './built-check.js';

const ours = { 'ds01.owner.uid': '1001', 'ds01.owner.name': 'alice' };

describe('builtImageProblem', () => {
  it('accepts an image on the authorized base with exactly ds01’s labels', () => {
    expect(
      builtImageProblem({ layers: ['a', 'b', 'c'], labels: { ...ours, x: 'y' } }, ['a', 'b'], ours),
    ).toBeNull();
    expect(builtImageProblem({ layers: ['z'], labels: ours }, [], ours)).toBeNull(); // FROM scratch
  });

  it('refuses another base, a shorter chain, forged or missing ds01 labels', () => {
    expect(builtImageProblem({ layers: ['x', 'b', 'c'], labels: ours }, ['a', 'b'], ours)).toMatch(/base/);
    expect(builtImageProblem({ layers: ['a'], labels: ours }, ['a', 'b'], ours)).toMatch(/base/);
    for (const labels of [
      { ...ours, 'ds01.gpu.slots': 'MIG-1' },
      { ...ours, 'DS01.owner.uid': '1002' },
      { ...ours, 'ds01.owner.uid': '1002' },
      { 'ds01.owner.name': 'alice' },
    ])
      expect(builtImageProblem({ layers: ['a'], labels }, ['a'], ours)).not.toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { type ImageFacts, imageUse } from './image-bytes.js';

const img = (id: string, layers: string[], sizeBytes: number, o: Partial<ImageFacts> = {}): ImageFacts => ({
  id,
  layers,
  sizeBytes,
  mine: false,
  shared: false,
  name: id,
  ...o,
});

describe('imageUse', () => {
  it('charges a user for their layers over a shared base, not for the base', () => {
    const r = imageUse([
      img('base', ['b1', 'b2'], 100, { shared: true }),
      img('mine', ['b1', 'b2', 'm1'], 130, { mine: true }),
    ]);
    expect(r.totalBytes).toBe(30);
    expect(r.largest).toEqual([{ name: 'mine', bytes: 30 }]);
  });

  it('counts layers shared between their own images once', () => {
    const r = imageUse([
      img('base', ['b'], 100, { shared: true }),
      img('step', ['b', 's'], 150), // an untagged build step both were built on
      img('one', ['b', 's', 'x'], 160, { mine: true }),
      img('two', ['b', 's', 'y'], 170, { mine: true }),
      img('three', ['b', 's', 'y', 'z'], 175, { mine: true }), // FROM two
    ]);
    expect(r.totalBytes).toBe(50 + 10 + 20 + 5);
    expect(Object.fromEntries(r.largest.map((l) => [l.name, l.bytes]))).toEqual({
      one: 60,
      two: 70,
      three: 5,
    });
  });

  it('charges the whole image when its base is gone, and nothing for other users', () => {
    const r = imageUse([img('mine', ['a', 'b'], 80, { mine: true }), img('theirs', ['a', 'b', 'c'], 90)]);
    expect(r.totalBytes).toBe(80);
  });

  it('an image identical to a shared one costs nothing', () => {
    expect(
      imageUse([img('s', ['a'], 50, { shared: true }), img('m', ['a'], 50, { mine: true })]).totalBytes,
    ).toBe(0);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { authorizeImage, type LocalImage, matchImage, parseImageRef } from './resolve.js';

const hex = (c: string) => c.repeat(64);
const aliceImg: LocalImage = {
  id: `sha256:bd419${'0'.repeat(59)}`,
  repoTags: ['ds01-1001/secret:latest'],
  repoDigests: [],
  labels: { 'ds01.owner.uid': '1001' },
};
const base: LocalImage = {
  id: `sha256:${hex('b')}`,
  repoTags: ['ubuntu:22.04', 'docker.io/library/busybox:latest'],
  repoDigests: [`ubuntu@sha256:${hex('d')}`],
  labels: {},
};
const layer: LocalImage = { id: `sha256:${hex('c')}`, repoTags: [], repoDigests: [], labels: {} };
const all = [aliceImg, base, layer];
const bob = { uid: 1002, admin: false };
const alice = { uid: 1001, admin: false };

const resolveAs = (text: string, who = bob) => {
  const p = parseImageRef(text);
  const img = p && matchImage(p, all);
  return img ? (authorizeImage(img, text, who) ? 'denied' : img.id) : 'none';
};

describe('image references resolve exactly, never by prefix', () => {
  it('short ids and sha256: prefixes name nothing (Docker would resolve them)', () => {
    for (const t of ['bd419', 'b', 'bd', 'sha256:bd419', 'sha256:b', `sha256:${hex('c').slice(0, 12)}`])
      expect([t, resolveAs(t)]).toEqual([t, 'none']);
    expect(parseImageRef('sha256:bd419')).toBeNull();
  });

  it('full ids, tags, familiar forms and digests match', () => {
    expect(resolveAs(`sha256:${hex('b')}`)).toBe(base.id);
    expect(resolveAs(hex('b'))).toBe(base.id);
    expect(resolveAs('ubuntu:22.04')).toBe(base.id);
    expect(resolveAs('docker.io/library/ubuntu:22.04')).toBe(base.id);
    expect(resolveAs('library/busybox')).toBe(base.id);
    expect(resolveAs(`ubuntu@sha256:${hex('d')}`)).toBe(base.id);
    expect(resolveAs(`ubuntu@sha256:${hex('e')}`)).toBe('none');
    expect(resolveAs('ubuntu')).toBe('none'); // :latest is not there
  });

  it("another user's image is refused by every name form; its owner may use it", () => {
    for (const t of [
      aliceImg.id,
      aliceImg.id.slice(7),
      'ds01-1001/secret',
      'docker.io/ds01-1001/secret:latest',
    ])
      expect([t, resolveAs(t)]).toEqual([t, 'denied']);
    expect(resolveAs('ds01-1001/secret', alice)).toBe(aliceImg.id);
  });

  it('an untagged, unowned layer is nobody’s to use, even by full id', () => {
    expect(resolveAs(layer.id)).toBe('denied');
  });

  it('an image whose owner marks disagree belongs to nobody', () => {
    const odd = { ...base, repoTags: ['ds01-1002/x:latest'], labels: { 'ds01.owner.uid': '1001' } };
    expect(authorizeImage(odd, 'x', bob)).not.toBeNull();
    expect(authorizeImage(odd, 'x', alice)).not.toBeNull();
  });

  it('odd strings are not references', () => {
    for (const t of [
      'a/../b',
      '../x',
      '',
      ' ',
      'a b',
      'A:1',
      'x@sha256:1',
      'x:',
      ':x',
      'x//y',
      '/x',
      'x?y',
      'x#y',
    ])
      expect([t, parseImageRef(t)]).toEqual([t, null]);
  });

  it('property: no generated string resolves to an image it does not name in full', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc
            .string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 63 })
            .map((h) => `sha256:${h}`),
        ),
        (s) => {
          const p = parseImageRef(s);
          const img = p && matchImage(p, all);
          if (!img) return;
          const named = [img.id, img.id.slice(7), ...img.repoTags, ...img.repoDigests];
          expect(named.some((n) => n === s || n.endsWith(`/${s}`) || n.startsWith(`${s}:`))).toBe(true);
        },
      ),
      { numRuns: 5000 },
    );
  });
});

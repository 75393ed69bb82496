// ImageResolver against a fake ImageSource: the I/O half's decisions (which refusal, when to pull, what a
// failed pull says) without a dockerd.
import { describe, expect, it } from 'vitest';
import type { LocalImage } from './resolve.js';
import { ImageResolver, type ImageSource, resolveOrPull } from './resolver.js';

const hex = (c: string) => c.repeat(64);
const ubuntu: LocalImage = {
  id: `sha256:${hex('b')}`,
  repoTags: ['ubuntu:22.04'],
  repoDigests: [],
  labels: {},
};
const alices: LocalImage = {
  id: `sha256:${hex('a')}`,
  repoTags: ['ds01-1001/secret:latest'],
  repoDigests: [],
  labels: { 'ds01.owner.uid': '1001' },
};
const bob = { uid: 1002, admin: false };

/** A fake Docker: a list of images; a pull of a name in `pullable` adds that image. */
function fakeSource(images: LocalImage[], pullable: Record<string, LocalImage> = {}) {
  const pulls: string[] = [];
  const source: ImageSource = {
    listImages: async () => [...images],
    pullImage: async (name) => {
      pulls.push(name);
      const img = pullable[name];
      if (!img) throw new Error(`pull access denied for ${name}`);
      images.push(img);
    },
  };
  return { source, pulls };
}

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code,
  );

describe('ImageResolver on a fake image source', () => {
  it('resolves an exact tag to the full id; refuses a prefix, another user’s image, and junk', async () => {
    const r = new ImageResolver(fakeSource([ubuntu, alices]).source);
    expect((await r.resolve('ubuntu:22.04', bob)).id).toBe(ubuntu.id);
    expect(await code(r.resolve(hex('b').slice(0, 12), bob))).toBe('NOT_FOUND');
    expect(await code(r.resolve('ds01-1001/secret', bob))).toBe('FORBIDDEN');
    expect(await code(r.resolve('UPPER CASE!', bob))).toBe('BAD_REQUEST');
  });

  it('a listing failure is a Docker error, not a crash', async () => {
    const r = new ImageResolver({
      listImages: async () => Promise.reject(new Error('connect ENOENT /run/docker.sock')),
      pullImage: async () => undefined,
    });
    expect(await code(r.resolve('ubuntu:22.04', bob))).toBe('DOCKER_UNAVAILABLE');
  });

  it('resolveOrPull pulls a missing public image by its exact reference, then resolves it', async () => {
    const busybox: LocalImage = {
      id: `sha256:${hex('c')}`,
      repoTags: ['busybox:1.36'],
      repoDigests: [],
      labels: {},
    };
    const { source, pulls } = fakeSource([ubuntu], { 'busybox:1.36': busybox });
    const got = await resolveOrPull(new ImageResolver(source), 'busybox:1.36', bob);
    expect(pulls).toEqual(['busybox:1.36']);
    expect(got.id).toBe(busybox.id);
  });

  it('resolveOrPull never pulls a ds01- name, and a failed pull is NOT_FOUND saying why', async () => {
    const { source, pulls } = fakeSource([ubuntu]);
    const r = new ImageResolver(source);
    expect(await code(resolveOrPull(r, 'ds01-1002/mine:latest', bob))).toBe('NOT_FOUND');
    expect(pulls).toEqual([]);
    const err = await resolveOrPull(r, 'nosuch/thing:1', bob).catch((e) => e);
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toMatch(/could not be pulled \(pull access denied for nosuch\/thing:1\)/);
    expect(pulls).toEqual(['nosuch/thing:1']);
  });
});

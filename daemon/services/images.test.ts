// ImageService.remove against a fake Docker port: whose image it is, in-use refusal, and what --force breaks.

import { describe, expect, it } from 'vitest';
import { testCaller } from '../../testing/kits/caller.js';
import type { DockerContainerUse, DockerImageDetail } from '../docker/client.js';
import type { ImageResolver } from '../images/resolver.js';
import { type ImageDocker, ImageService } from './images.js';

const who = testCaller;
const imgId = `sha256:${'e'.repeat(64)}`;

function setup(containers: DockerContainerUse[] = []) {
  const images = new Map<string, DockerImageDetail>([
    ['ds01-1001/proj:latest', { id: imgId, labels: { 'ds01.owner.uid': '1001' }, layers: [], onBuild: [] }],
  ]);
  const removed: string[] = [];
  const notFound = () => Object.assign(new Error('no such image'), { statusCode: 404 });
  const docker = {
    inspectImage: async (ref: string) => images.get(ref) ?? Promise.reject(notFound()),
    removeImage: async (ref: string) => {
      removed.push(ref);
      images.delete(ref);
    },
    listAllContainers: async () => containers,
  } as unknown as ImageDocker;
  const events: string[] = [];
  const svc = new ImageService(
    docker,
    {} as ImageResolver,
    () => ({ images: [] }) as never,
    { maxConcurrentPerUser: 1 } as never,
    { now: () => 0 } as never,
    (_c, kind) => void events.push(kind),
    async () => ({}) as never,
  );
  return { svc, removed, events };
}

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code,
  );

describe('ImageService.remove on a fake Docker port', () => {
  it('deletes the owner’s image and audits it; another user gets FORBIDDEN, a missing one NOT_FOUND', async () => {
    const { svc, removed, events } = setup();
    expect(await code(svc.remove(who(1002), 'proj', { ownerUid: 1001 }))).toBe('FORBIDDEN');
    expect(await code(svc.remove(who(1001), 'nosuch'))).toBe('NOT_FOUND');
    expect(removed).toEqual([]);
    const r = await svc.remove(who(1001), 'proj');
    expect(r).toEqual({ ref: 'ds01-1001/proj:latest', deleted: true, broken: [] });
    expect(removed).toEqual(['ds01-1001/proj:latest']);
    expect(events).toEqual(['image.deleted']);
  });

  it('an image in use is refused with CONFLICT; --force deletes it and names what it breaks', async () => {
    const use = {
      id: 'c1',
      name: 'proj._.1001',
      state: 'running',
      labels: { 'ds01.owner.uid': '1001' },
      imageId: imgId,
    };
    const { svc, removed } = setup([use]);
    expect(await code(svc.remove(who(1001), 'proj'))).toBe('CONFLICT');
    expect(removed).toEqual([]);
    const r = await svc.remove(who(1001), 'proj', { force: true });
    expect(r.broken).toEqual([{ id: 'c1', name: 'proj._.1001', state: 'running', ownerUid: 1001 }]);
    expect(removed).toEqual(['ds01-1001/proj:latest']);
  });
});

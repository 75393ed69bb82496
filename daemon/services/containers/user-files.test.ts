import { describe, expect, it } from 'vitest';
import { unpackTar } from '../../common/tar.js';
import type { StorageFacts } from '../../docker/upper-layer.js';
import type { UpperLayerInput } from '../../workspace/upper-layer.js';
import { USER_FILES_CACHE_SIZE, UserFiles } from './user-files.js';

const ROOT = '/var/lib/docker';
const layerDir = (c: string) => `${ROOT}/overlay2/${c.repeat(64)}/diff`;

function fake(
  files: Record<string, string>,
  o: { bash?: boolean; driver?: string; writer?: 'ok' | 'refused' } = {},
) {
  const calls: string[] = [];
  const puts: Buffer[] = [];
  const writes: UpperLayerInput[] = [];
  const driver = o.driver ?? 'vfs';
  const storage: StorageFacts = { driver, rootDir: ROOT, userns: false, snapshotter: false };
  const deps = {
    ops: {
      readFile: async (id: string, path: string) => {
        calls.push(`read ${id} ${path}`);
        return path in files ? Buffer.from(files[path] as string) : null;
      },
      exists: async (id: string, path: string) => {
        calls.push(`exists ${id} ${path}`);
        return o.bash ?? true;
      },
      putTar: async (id: string, tar: Buffer) => {
        calls.push(`put ${id}`);
        puts.push(tar);
      },
      layer: async (id: string) => {
        calls.push(`layer ${id}`);
        return {
          status: 'created',
          driver,
          upperDir: layerDir('c'),
          lowerDir: `${layerDir('d')}:${layerDir('e')}`,
          workingDir: '/workspace',
        };
      },
    },
    storage: async () => storage,
    writer: {
      writeUserFiles: async (i: UpperLayerInput) => {
        writes.push(i);
        return o.writer === 'refused'
          ? { ok: false as const, refused: true, message: "the image's /home is not a directory" }
          : { ok: true as const };
      },
    },
    log: { debug: () => undefined, warn: () => undefined },
  };
  return { calls, puts, writes, deps };
}

const alice = { uid: 1500, gid: 1500, name: 'alice' };
const image = `sha256:${'a'.repeat(64)}`;
const etc = { '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n', '/etc/group': 'root:x:0:\n' };

describe('UserFiles', () => {
  it('reads the image’s files once per image and user, then writes with one put (not overlay2)', async () => {
    const f = fake(etc);
    const u = new UserFiles(f.deps);
    await u.setUp('c1', image, alice);
    expect(f.calls.filter((c) => c.startsWith('read') || c.startsWith('exists'))).toHaveLength(3);
    f.calls.length = 0;
    await u.setUp('c2', image, alice);
    expect(f.calls).toEqual(['layer c2', 'put c2']);
    expect(f.writes).toEqual([]);
    expect(f.puts[1]).toEqual(f.puts[0]);
    const entries = await unpackTar(f.puts[0] as Buffer);
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('etc/passwd')?.data?.toString()).toBe(
      'root:x:0:0::/root:/bin/sh\nalice:x:1500:1500:alice:/home/alice:/bin/bash\n',
    );
    expect(byName.get('etc/group')?.data?.toString()).toBe('root:x:0:\nalice:x:1500:\n');
    expect(byName.get('home/alice')?.type).toBe('directory');
    expect(u.written).toEqual({ direct: 0, put: 2 });
  });

  it('on overlay2 writes into the upper layer through the helper, with no put', async () => {
    const f = fake(etc, { driver: 'overlay2' });
    const u = new UserFiles(f.deps);
    await u.setUp('c1', image, alice);
    await u.setUp('c2', image, alice);
    expect(f.puts).toEqual([]);
    expect(f.writes).toHaveLength(2);
    expect(f.writes[0]).toEqual({
      rootDir: ROOT,
      upperDir: layerDir('c'),
      lowerDirs: [layerDir('d'), layerDir('e')],
      workingDir: '/workspace',
      passwd: 'root:x:0:0::/root:/bin/sh\nalice:x:1500:1500:alice:/home/alice:/bin/bash\n',
      group: 'root:x:0:\nalice:x:1500:\n',
      home: { name: 'alice', uid: 1500, gid: 1500 },
    });
    expect(u.written).toEqual({ direct: 2, put: 0 });
  });

  it('falls back to the put when the helper refuses the layer', async () => {
    const f = fake(etc, { driver: 'overlay2', writer: 'refused' });
    const u = new UserFiles(f.deps);
    await u.setUp('c1', image, alice);
    expect(f.writes).toHaveLength(1);
    expect(f.calls.at(-1)).toBe('put c1');
    expect(u.written).toEqual({ direct: 0, put: 1 });
  });

  it('with user_files: archive (no writer) always puts, even on overlay2', async () => {
    const f = fake(etc, { driver: 'overlay2' });
    const u = new UserFiles({ ...f.deps, writer: null });
    await u.setUp('c1', image, alice);
    expect(f.writes).toEqual([]);
    expect(u.written).toEqual({ direct: 0, put: 1 });
  });

  it('builds anew for another image or another user, and keeps a bounded number', async () => {
    const f = fake({ '/etc/passwd': '', '/etc/group': '' }, { bash: false });
    const u = new UserFiles(f.deps);
    await u.setUp('c1', image, alice);
    await u.setUp('c2', `sha256:${'b'.repeat(64)}`, alice);
    await u.setUp('c3', image, { ...alice, uid: 1501, name: 'bob' });
    expect(f.calls.filter((c) => c.startsWith('read')).length).toBe(6);
    for (let i = 0; i < USER_FILES_CACHE_SIZE + 5; i++)
      await u.setUp(`x${i}`, image, { ...alice, uid: 2000 + i });
    expect(u.size).toBe(USER_FILES_CACHE_SIZE);
  });
});

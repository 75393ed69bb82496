import { describe, expect, it } from 'vitest';
import { unpackTar } from '../../common/tar.js';
import { USER_FILES_CACHE_SIZE, UserFiles } from './user-files.js';

function fakeOps(files: Record<string, string>, bash = true) {
  const calls: string[] = [];
  const puts: Buffer[] = [];
  return {
    calls,
    puts,
    ops: {
      readFile: async (id: string, path: string) => {
        calls.push(`read ${id} ${path}`);
        return path in files ? Buffer.from(files[path] as string) : null;
      },
      exists: async (id: string, path: string) => {
        calls.push(`exists ${id} ${path}`);
        return bash;
      },
      putTar: async (id: string, tar: Buffer) => {
        calls.push(`put ${id}`);
        puts.push(tar);
      },
    },
  };
}

const alice = { uid: 1500, gid: 1500, name: 'alice' };
const image = `sha256:${'a'.repeat(64)}`;

describe('UserFiles', () => {
  it('reads the image’s files once per image and user, then writes with one put', async () => {
    const f = fakeOps({ '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n', '/etc/group': 'root:x:0:\n' });
    const u = new UserFiles(f.ops);
    await u.setUp('c1', image, alice);
    expect(f.calls.filter((c) => !c.startsWith('put'))).toHaveLength(3);
    f.calls.length = 0;
    await u.setUp('c2', image, alice);
    expect(f.calls).toEqual(['put c2']);
    expect(f.puts[1]).toEqual(f.puts[0]);
    const entries = await unpackTar(f.puts[0] as Buffer);
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('etc/passwd')?.data?.toString()).toBe(
      'root:x:0:0::/root:/bin/sh\nalice:x:1500:1500:alice:/home/alice:/bin/bash\n',
    );
    expect(byName.get('etc/group')?.data?.toString()).toBe('root:x:0:\nalice:x:1500:\n');
    expect(byName.get('home/alice')?.type).toBe('directory');
  });

  it('builds anew for another image or another user, and keeps a bounded number', async () => {
    const f = fakeOps({ '/etc/passwd': '', '/etc/group': '' }, false);
    const u = new UserFiles(f.ops);
    await u.setUp('c1', image, alice);
    await u.setUp('c2', `sha256:${'b'.repeat(64)}`, alice);
    await u.setUp('c3', image, { ...alice, uid: 1501, name: 'bob' });
    expect(f.calls.filter((c) => c.startsWith('read')).length).toBe(6);
    for (let i = 0; i < USER_FILES_CACHE_SIZE + 5; i++)
      await u.setUp(`x${i}`, image, { ...alice, uid: 2000 + i });
    expect(u.size).toBe(USER_FILES_CACHE_SIZE);
  });
});

// The user's name and home inside a new container (whoami, cd ~, files owned by them in /workspace), on
// ANY image: /etc/passwd and /etc/group with their entries added, and their home directory, written in
// one archive put before the container starts.
//
// The archive depends only on the image (its /etc/passwd, /etc/group and whether it has /bin/bash: an
// image id names exact contents) and the user's name, uid and gid. So it is built once per (image id,
// user) from the first container's files and kept: every later deploy of that image by that user is
// one round trip to Docker instead of four (three archive reads, one put).
import { packTar } from '../../common/tar.js';
import type { DockerOps } from '../../docker/ops.js';
import { withGroup, withPasswdUser } from '../../docker/passwd.js';
import { homeOf } from '../../docker/spec.js';

export interface FilesOwner {
  uid: number;
  gid: number;
  name: string;
}

/** Archives kept; each is a few KiB (the image's passwd and group plus ours). */
export const USER_FILES_CACHE_SIZE = 256;

export class UserFiles {
  private readonly archives = new Map<string, Buffer>();

  constructor(private readonly ops: Pick<DockerOps, 'readFile' | 'exists' | 'putTar'>) {}

  /** Write the owner's passwd/group entries and home into container `id`, made from image `imageId`. */
  async setUp(id: string, imageId: string, owner: FilesOwner): Promise<void> {
    const key = JSON.stringify([imageId, owner.uid, owner.gid, owner.name]);
    let tar = this.archives.get(key);
    if (!tar) {
      tar = await this.build(id, owner);
      // Oldest out first: Map keeps insertion order.
      if (this.archives.size >= USER_FILES_CACHE_SIZE)
        this.archives.delete(this.archives.keys().next().value as string);
      this.archives.set(key, tar);
    }
    await this.ops.putTar(id, tar);
  }

  /** How many archives are kept (memory checks). */
  get size(): number {
    return this.archives.size;
  }

  private async build(id: string, owner: FilesOwner): Promise<Buffer> {
    const [passwd, group, bash] = await Promise.all([
      this.ops.readFile(id, '/etc/passwd'),
      this.ops.readFile(id, '/etc/group'),
      this.ops.exists(id, '/bin/bash'),
    ]);
    const home = homeOf(owner.name);
    return packTar([
      {
        name: 'etc/passwd',
        type: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        data: Buffer.from(
          withPasswdUser(passwd?.toString('utf8') ?? '', {
            name: owner.name,
            uid: owner.uid,
            gid: owner.gid,
            home,
            shell: bash ? '/bin/bash' : '/bin/sh',
          }),
        ),
      },
      {
        name: 'etc/group',
        type: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        data: Buffer.from(withGroup(group?.toString('utf8') ?? '', { name: owner.name, gid: owner.gid })),
      },
      { name: home.slice(1), type: 'dir', mode: 0o700, uid: owner.uid, gid: owner.gid },
    ]);
  }
}

// The user's name and home inside a new container (whoami, cd ~, files owned by them in /workspace), on
// ANY image: /etc/passwd and /etc/group with their entries added, and their home directory, written before
// the container first starts.
//
// The content depends only on the image (its /etc/passwd, /etc/group and whether it has /bin/bash: an
// image id names exact contents) and the user's name, uid and gid. So it is built once per (image id,
// user) from the first container's files and kept. Then each create writes it one of two ways:
//   - on overlay2 (a local dockerd), straight into the container's fresh upper layer, through the workspace
//     helper in dockerd's mount namespace (docker/upper-layer.ts decides, workspace/upper-layer.ts checks
//     and writes): one inspect and a few file writes, ≈ms;
//   - otherwise, or when the helper refuses (a /home that is a symlink in the image, a layer that is not
//     fresh), one archive put, which Docker runs through a re-exec'd docker-untar (≈50–150 ms).
import { packTar } from '../../common/tar.js';
import type { DockerOps } from '../../docker/ops.js';
import { withGroup, withPasswdUser } from '../../docker/passwd.js';
import { homeOf } from '../../docker/spec.js';
import { type StorageFacts, upperLayerTarget } from '../../docker/upper-layer.js';
import type { Logger } from '../../log.js';
import type { WorkspaceBinder } from '../workspace-binder.js';

export interface FilesOwner {
  uid: number;
  gid: number;
  name: string;
}

/** Prepared contents kept; each is a few KiB (the image's passwd and group plus ours, twice). */
export const USER_FILES_CACHE_SIZE = 256;

interface Prepared {
  passwd: string;
  group: string;
  /** The same as an archive, for the put. */
  tar: Buffer;
}

export interface UserFilesDeps {
  ops: Pick<DockerOps, 'readFile' | 'exists' | 'putTar' | 'layer'>;
  /** `docker info`'s storage facts (cached by the caller). */
  storage: () => Promise<StorageFacts>;
  /** null: always the archive put (setting user_files: archive). */
  writer: Pick<WorkspaceBinder, 'writeUserFiles'> | null;
  log: Pick<Logger, 'debug' | 'warn'>;
}

export class UserFiles {
  private readonly prepared = new Map<string, Prepared>();
  /** How the last creates were written (tests, the bench). */
  readonly written = { direct: 0, put: 0 };

  constructor(private readonly d: UserFilesDeps) {}

  /** Write the owner's passwd/group entries and home into container `id`, made from image `imageId`. */
  async setUp(id: string, imageId: string, owner: FilesOwner): Promise<void> {
    const key = JSON.stringify([imageId, owner.uid, owner.gid, owner.name]);
    let p = this.prepared.get(key);
    if (!p) {
      p = await this.build(id, owner);
      // Oldest out first: Map keeps insertion order.
      if (this.prepared.size >= USER_FILES_CACHE_SIZE)
        this.prepared.delete(this.prepared.keys().next().value as string);
      this.prepared.set(key, p);
    }
    if (await this.direct(id, p, owner)) {
      this.written.direct++;
      return;
    }
    await this.d.ops.putTar(id, p.tar);
    this.written.put++;
  }

  /** How many are kept (memory checks). */
  get size(): number {
    return this.prepared.size;
  }

  /** Into the upper layer when the host and the helper allow it; false: use the put. */
  private async direct(id: string, p: Prepared, owner: FilesOwner): Promise<boolean> {
    if (!this.d.writer) return false;
    const target = upperLayerTarget(await this.d.storage(), await this.d.ops.layer(id));
    if (!target.ok) {
      this.d.log.debug('user files by archive put', { id, why: target.why });
      return false;
    }
    const { ok: _, ...layer } = target;
    const r = await this.d.writer.writeUserFiles({
      ...layer,
      passwd: p.passwd,
      group: p.group,
      home: { name: owner.name, uid: owner.uid, gid: owner.gid },
    });
    if (r.ok) return true;
    // Refused: this layer or image is not one to write directly (the put follows links as before).
    (r.refused ? this.d.log.debug : this.d.log.warn)('user files by archive put', { id, why: r.message });
    return false;
  }

  private async build(id: string, owner: FilesOwner): Promise<Prepared> {
    const [passwdFile, groupFile, bash] = await Promise.all([
      this.d.ops.readFile(id, '/etc/passwd'),
      this.d.ops.readFile(id, '/etc/group'),
      this.d.ops.exists(id, '/bin/bash'),
    ]);
    const home = homeOf(owner.name);
    const passwd = withPasswdUser(passwdFile?.toString('utf8') ?? '', {
      name: owner.name,
      uid: owner.uid,
      gid: owner.gid,
      home,
      shell: bash ? '/bin/bash' : '/bin/sh',
    });
    const group = withGroup(groupFile?.toString('utf8') ?? '', { name: owner.name, gid: owner.gid });
    const tar = await packTar([
      { name: 'etc/passwd', type: 'file', mode: 0o644, uid: 0, gid: 0, data: Buffer.from(passwd) },
      { name: 'etc/group', type: 'file', mode: 0o644, uid: 0, gid: 0, data: Buffer.from(group) },
      { name: home.slice(1), type: 'dir', mode: 0o700, uid: owner.uid, gid: owner.gid },
    ]);
    return { passwd, group, tar };
  }
}

// Users' images are named `ds01-<uid>/<name>:<tag>`: the uid in the repository is the owner (the
// ds01.owner.uid label says the same). Pure.
import { IMAGE_TAG, NAME, NAME_RULE } from '../common/names.js';

export const IMAGE_LABELS = {
  ownerUid: 'ds01.owner.uid',
  ownerName: 'ds01.owner.name',
  image: 'ds01.image.name',
  createdBy: 'ds01.created-by',
} as const;

export function imageRepo(uid: number, name: string): string {
  return `ds01-${uid}/${name}`;
}

export interface OwnedRef {
  uid: number;
  name: string;
  tag: string;
}

/** Docker's short forms: docker.io/ and library/ mean the same local image. */
export function normaliseRef(ref: string): string {
  return ref
    .replace(/^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '')
    .replace(/^library\//, '');
}

/** The owner, name and tag of a ds01 user image reference; null for anything else (ubuntu:22.04, …). */
export function parseOwnedRef(ref: string): OwnedRef | null {
  const m = /^ds01-(\d+)\/([^:@]+)(?::([^@]+))?(?:@.*)?$/.exec(normaliseRef(ref));
  if (!m) return null;
  return { uid: Number(m[1]), name: m[2] as string, tag: m[3] ?? 'latest' };
}

/** What a user types (`name` or `name:tag`) → name and tag, or a reason it is not valid. */
export function parseUserImageArg(arg: string): { name: string; tag: string } | { error: string } {
  const [name = '', tag = 'latest', extra] = arg.split(':');
  if (extra !== undefined || !NAME.test(name))
    return {
      error: `"${arg}" is not an image name: use NAME or NAME:TAG (${NAME_RULE})`,
    };
  if (!IMAGE_TAG.test(tag)) return { error: `"${tag}" is not a valid tag` };
  return { name, tag };
}

// The I/O half of image resolution (the rules are in resolve.ts): read the local images from Docker,
// pick the one a reference names exactly, authorize it, and answer its full id — the only thing that
// is ever handed to Docker for a user's image reference.
import type Docker from 'dockerode';
import { dockerError } from '../docker/ops.js';
import { badRequest, Ds01Error } from '../errors.js';
import { authorizeImage, displayRef, type LocalImage, matchImage, parseImageRef } from './resolve.js';

export interface ResolvedImage {
  /** The full image id (sha256:<64 hex>): what Docker gets. */
  id: string;
  /** How to show it (the tag the user named, or the image's first tag). */
  ref: string;
  image: LocalImage;
}

export class ImageResolver {
  constructor(private readonly docker: Docker) {}

  /** Every top-level image (tagged or dangling; not a build's intermediate layers). */
  async local(): Promise<LocalImage[]> {
    try {
      const list = await this.docker.listImages();
      return list.map((i) => ({
        id: i.Id,
        repoTags: i.RepoTags ?? [],
        repoDigests: i.RepoDigests ?? [],
        labels: i.Labels ?? {},
      }));
    } catch (err) {
      throw dockerError('cannot list the images', err);
    }
  }

  /**
   * Resolve `text` (or, when it names nothing, each fallback in turn) to an image `who` may use.
   * Refusals: 400 not a reference, 404 no such image, 403 not theirs.
   */
  async resolve(
    text: string,
    who: { uid: number; admin: boolean },
    opts: { fallbacks?: string[]; adminMayUseAny?: boolean; images?: LocalImage[] } = {},
  ): Promise<ResolvedImage> {
    const ref = parseImageRef(text);
    if (!ref)
      throw badRequest(
        `"${printable(text)}" is not an image reference`,
        'name an image as NAME[:TAG] (see `image-list`), or give its full id (sha256:… 64 hex digits)',
      );
    const images = opts.images ?? (await this.local());
    let found = matchImage(ref, images);
    let foundRef = ref;
    for (const f of opts.fallbacks ?? []) {
      if (found) break;
      const p = parseImageRef(f);
      if (!p) continue;
      found = matchImage(p, images);
      foundRef = p;
    }
    if (!found)
      throw new Ds01Error(
        'NOT_FOUND',
        `image ${printable(text)} is not on this server`,
        'see `image-list` for your images, or build one with `image-create` (ids must be given in full)',
      );
    const shown = displayRef(foundRef, found);
    const denial = authorizeImage(found, shown, who, { adminMayUseAny: opts.adminMayUseAny });
    if (denial) throw new Ds01Error(denial.code, denial.message, denial.hint);
    return { id: found.id, ref: shown, image: found };
  }
}

/** A user's string in a message: bounded and without control characters. */
export function printable(s: string): string {
  const t = String(s).replace(/[\p{C}]/gu, '?');
  return t.length > 80 ? `${t.slice(0, 77)}...` : t;
}

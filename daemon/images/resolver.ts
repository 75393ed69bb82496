// The I/O half of image resolution (the rules are in resolve.ts): read the local images from Docker,
// pick the one a reference names exactly, authorize it, and answer its full id — the only thing that
// is ever handed to Docker for a user's image reference.
import { dockerError } from '../docker/ops.js';
import { badRequest, Ds01Error } from '../errors.js';
import {
  authorizeImage,
  displayRef,
  type LocalImage,
  matchImage,
  type ParsedRef,
  parseImageRef,
} from './resolve.js';

export interface ResolvedImage {
  /** The full image id (sha256:<64 hex>): what Docker gets. */
  id: string;
  /** How to show it (the tag the user named, or the image's first tag). */
  ref: string;
  image: LocalImage;
}

/** What the resolver needs of Docker (DockerClient in the daemon; a fake in unit tests). */
export interface ImageSource {
  /** Every top-level image; raw Docker errors. */
  listImages(): Promise<LocalImage[]>;
  /** Pull an exact reference to the end of its progress; raw errors. */
  pullImage(name: string): Promise<void>;
}

export class ImageResolver {
  constructor(readonly source: ImageSource) {}

  /** Every top-level image (tagged or dangling; not a build's intermediate layers). */
  async local(): Promise<LocalImage[]> {
    try {
      return await this.source.listImages();
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
    opts: ResolveOptions = {},
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

export type ResolveOptions = { fallbacks?: string[]; adminMayUseAny?: boolean; images?: LocalImage[] };

/**
 * For builds: like `resolve`, but a public image not on the host yet is first pulled by its exact
 * reference (as `docker build` would have). Never a `ds01-…` name: no registry fills a user's namespace.
 */
export async function resolveOrPull(
  resolver: ImageResolver,
  text: string,
  who: { uid: number; admin: boolean },
  opts: ResolveOptions = {},
): Promise<ResolvedImage> {
  try {
    return await resolver.resolve(text, who, opts);
  } catch (err) {
    const ref = parseImageRef(text);
    if (!(err instanceof Ds01Error) || err.code !== 'NOT_FOUND' || ref?.kind !== 'name') throw err;
    if (/^ds01-/.test(ref.repo)) throw err;
    await pull(resolver.source, ref);
    return resolver.resolve(text, who, { ...opts, images: undefined });
  }
}

async function pull(source: ImageSource, ref: Extract<ParsedRef, { kind: 'name' }>): Promise<void> {
  const name = ref.digest ? `${ref.repo}@${ref.digest}` : `${ref.repo}:${ref.tag}`;
  const refused = (why: unknown) =>
    new Ds01Error(
      'NOT_FOUND',
      `image ${name} is not on this server and could not be pulled (${(why as Error)?.message ?? why})`,
      'check the name, or ask an admin to pull it; see `image-list` for what is here',
    );
  try {
    await source.pullImage(name);
  } catch (err) {
    throw refused(err);
  }
}

/** A user's string in a message: bounded and without control characters. */
export function printable(s: string): string {
  const t = String(s).replace(/[\p{C}]/gu, '?');
  return t.length > 80 ? `${t.slice(0, 77)}...` : t;
}

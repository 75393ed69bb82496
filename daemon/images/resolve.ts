// Image references → one full image id, decided here and never by Docker. Docker resolves any unique
// id prefix (`bd4`, `sha256:bd`) and follows its own name rules; a user's string handed to it can reach
// an image that is not theirs. So ds01 parses the reference itself, matches it EXACTLY against the local
// images (full ids, tags, repo digests: never a prefix), authorizes the image it found, and gives Docker
// only that image's full id. Pure: the image list comes from the caller (images/resolver.ts).

/** A reference, parsed: a full image id, or a name with a tag and/or digest. */
export type ParsedRef =
  | { kind: 'id'; id: string }
  | { kind: 'name'; repo: string; tag: string | null; digest: string | null };

/** What ds01 knows of one local image (from Docker's image list or inspect). */
export interface LocalImage {
  id: string; // sha256:<64 hex>
  repoTags: string[];
  repoDigests: string[];
  labels: Record<string, string>;
}

const FULL_ID = /^(?:sha256:)?([a-f0-9]{64})$/;
// distribution/reference grammar, restricted to what a local image can be named.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN =
  '(?:localhost|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)+)(?::[0-9]{1,5})?|localhost:[0-9]{1,5}';
const NAME = new RegExp(`^(?:(${DOMAIN})/)?(${COMPONENT}(?:/${COMPONENT})*)$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Docker's short forms: docker.io/library/ubuntu and ubuntu are the same local image. */
export function familiar(repo: string): string {
  const r = repo.replace(/^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
  return r.startsWith('library/') && r.split('/').length === 2 ? r.slice('library/'.length) : r;
}

/** Parse a user's image reference; null when it is not one (anything odd is refused, not guessed). */
export function parseImageRef(text: string): ParsedRef | null {
  if (typeof text !== 'string' || text.length === 0 || text.length > 512) return null;
  const id = FULL_ID.exec(text);
  if (id) return { kind: 'id', id: `sha256:${id[1]}` };
  let rest = text;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return null;
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return null;
  }
  const m = NAME.exec(rest);
  if (!m || rest.length > 255) return null;
  // Docker refuses a 64-hex repository name (it would read as an id); so does ds01.
  // `sha256:<hex>` is never a name here: it would read as an id prefix to anyone else.
  if (/^[a-f0-9]{64}$/.test(rest) || rest === 'sha256') return null;
  return { kind: 'name', repo: familiar(rest), tag: tag ?? (digest ? null : 'latest'), digest };
}

/** The one image a parsed reference names, by exact id, tag or repo digest; null when none does. */
export function matchImage(ref: ParsedRef, images: readonly LocalImage[]): LocalImage | null {
  if (ref.kind === 'id') return images.find((i) => i.id === ref.id) ?? null;
  if (ref.digest) {
    const want = `${ref.repo}@${ref.digest}`;
    return images.find((i) => i.repoDigests.some((d) => familiarRef(d) === want)) ?? null;
  }
  const want = `${ref.repo}:${ref.tag}`;
  return images.find((i) => i.repoTags.some((t) => familiarRef(t) === want)) ?? null;
}

/** `docker.io/library/x:1` → `x:1` (tags and digests as Docker lists them). */
function familiarRef(full: string): string {
  const at = full.indexOf('@');
  const cut = at >= 0 ? at : full.lastIndexOf(':') > full.lastIndexOf('/') ? full.lastIndexOf(':') : -1;
  return cut < 0 ? familiar(full) : `${familiar(full.slice(0, cut))}${full.slice(cut)}`;
}

/** The user namespace of ds01 images: `ds01-<uid>/<name>`. */
const USER_REPO = /^ds01-(\d+)\//;
export const OWNER_LABEL = 'ds01.owner.uid';

/**
 * Who owns an image: the uid of its owner label and of every `ds01-<uid>/…` tag. An image nobody owns
 * and nobody named (no tag: a build's intermediate layer, a rebuilt image's old version) is `orphan`.
 */
export function imageOwners(img: LocalImage): { uids: Set<number>; named: boolean } {
  const uids = new Set<number>();
  const label = img.labels[OWNER_LABEL];
  if (label !== undefined) uids.add(/^\d+$/.test(label) ? Number(label) : -1);
  for (const t of img.repoTags) {
    const m = USER_REPO.exec(familiarRef(t));
    if (m) uids.add(Number(m[1]));
  }
  const named = img.repoTags.some((t) => t !== '<none>:<none>');
  return { uids, named };
}

export type ImageDenial = { code: 'FORBIDDEN'; message: string; hint: string };

/**
 * May `who` use this image? Their own (every owner mark says them), or a shared one an admin put on
 * the host under a name (no owner at all, and tagged). Admins may also use any user's image when
 * `adminMayUseAny` (builds by an admin); containers are always checked as their owner.
 */
export function authorizeImage(
  img: LocalImage,
  shownAs: string,
  who: { uid: number; admin: boolean },
  opts: { adminMayUseAny?: boolean } = {},
): ImageDenial | null {
  const { uids, named } = imageOwners(img);
  if (who.admin && opts.adminMayUseAny && named) return null;
  if (uids.size === 0 && named) return null;
  if (uids.size === 1 && uids.has(who.uid)) return null;
  return {
    code: 'FORBIDDEN',
    message: uids.size
      ? `${shownAs} is another user's image`
      : `${shownAs} is not a named image on this server (an untagged layer is nobody's to use)`,
    hint: 'use one of your own images (`image-list`) or a base from the catalogue (`image-create`)',
  };
}

/** The name to show for a resolved image: the tag the user named, else its first tag, else its id. */
export function displayRef(ref: ParsedRef, img: LocalImage): string {
  if (ref.kind === 'name') return ref.digest ? `${ref.repo}@${ref.digest}` : `${ref.repo}:${ref.tag}`;
  const tag = img.repoTags.find((t) => t !== '<none>:<none>');
  return tag ? familiarRef(tag) : img.id;
}

// A user's image storage (storage_images), pure. Docker reports each image's size including the layers it
// was built on, never a layer's own size, so layers are grouped by the images that end at them: an image's
// layer list is a chain, and a chain's bytes beyond the longest other image chain that is a prefix of it are
// its own. A user is charged once for every chain under their named images that is not part of a shared image
// (an admin-tagged base nobody owns): layers shared among their own images are counted once, a shared base not
// at all. Layers two images share below any image Docker still lists are the one approximation (counted twice).

export interface ImageFacts {
  id: string;
  sizeBytes: number;
  /** RootFS diff ids, base first. */
  layers: readonly string[];
  /** The user's own: owned by them alone and named (a tag). */
  mine: boolean;
  /** Nobody's and named: a base an admin put on the host. */
  shared: boolean;
  /** How to name it to the user (its first tag, else the short id). */
  name: string;
}

export interface ImageUse {
  totalBytes: number;
  /** The user's images, by what each adds over the image it was built on, largest first. */
  largest: { name: string; bytes: number }[];
}

export function imageUse(images: readonly ImageFacts[]): ImageUse {
  const size = new Map<string, number>();
  for (const i of images) size.set(key(i.layers), Math.max(size.get(key(i.layers)) ?? 0, i.sizeBytes));
  // The nearest shorter chain Docker lists an image for.
  const parentOf = (layers: readonly string[]): string | null => {
    for (let n = layers.length - 1; n > 0; n--) {
      const k = key(layers.slice(0, n));
      if (size.has(k)) return k;
    }
    return null;
  };
  const own = (layers: readonly string[]): number => {
    const p = parentOf(layers);
    return Math.max(0, (size.get(key(layers)) ?? 0) - (p === null ? 0 : (size.get(p) ?? 0)));
  };
  const covered = new Set<string>();
  for (const i of images.filter((x) => x.shared))
    for (let n = 1; n <= i.layers.length; n++) covered.add(key(i.layers.slice(0, n)));

  const charged = new Set<string>();
  let total = 0;
  for (const i of images.filter((x) => x.mine)) {
    let chain: readonly string[] = i.layers;
    while (chain.length > 0 && !covered.has(key(chain)) && !charged.has(key(chain))) {
      charged.add(key(chain));
      total += own(chain);
      const p = parentOf(chain);
      chain = p === null ? [] : chain.slice(0, p.split('\n').length);
    }
  }
  // Each image by what it adds over what it was built on: a shared base or another of the user's images.
  const mineChains = new Set(images.filter((x) => x.mine).map((x) => key(x.layers)));
  const added = (layers: readonly string[]): number => {
    let bytes = 0;
    let chain = layers;
    while (
      chain.length > 0 &&
      !covered.has(key(chain)) &&
      (chain === layers || !mineChains.has(key(chain)))
    ) {
      bytes += own(chain);
      const p = parentOf(chain);
      chain = p === null ? [] : chain.slice(0, p.split('\n').length);
    }
    return bytes;
  };
  const largest = images
    .filter((i) => i.mine)
    .map((i) => ({ name: i.name, bytes: added(i.layers) }))
    .sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
  return { totalBytes: total, largest };
}

function key(layers: readonly string[]): string {
  return layers.join('\n');
}

// Users' images: build (through runBuild), list and delete, each user on their own `ds01-<uid>/…`
// images only (admins: all). Ownership is the repository prefix AND the ds01.owner.uid label; an image
// where they disagree belongs to nobody here.

import type { Readable } from 'node:stream';
import type { EventKind } from '../api/types/events.js';
import type {
  BaseImage,
  BuildEvent,
  ImageContainerUse,
  ImageDeleteResult,
  ImageSummary,
} from '../api/types/images.js';
import { ensureCgroupParent } from '../cgroups/aggregate.js';
import type { Clock } from '../clock.js';
import { type DockerClient, statusCode } from '../docker/client.js';
import { LABELS } from '../docker/labels.js';
import { cgroupParentFor } from '../docker/spec.js';
import { Ds01Error, notFound } from '../errors.js';
import type { Caller } from '../identity/caller.js';
import {
  type BuildDocker,
  type BuildLimits,
  type BuildOutcome,
  type BuildResources,
  runBuild,
} from '../images/build.js';
import { IMAGE_LABELS, imageRepo, parseOwnedRef, parseUserImageArg } from '../images/naming.js';
import type { ImageResolver } from '../images/resolver.js';
import { containerCpus, resolveLimits } from '../policy/resolve.js';
import type { Policy } from '../policy/types.js';
import { denyNotOwner } from './visibility.js';

export type ImageAudit = (
  caller: Caller,
  kind: EventKind,
  subjectUid: number,
  reason: string,
  data: Record<string, unknown>,
) => void;

/** A build's containers get the user's CPU and memory limits, in their slice when slices are on. */
export function buildResourcesOf(
  policy: () => Policy,
  hostFacts: () => Promise<{ cgroupDriver: string | null }>,
  clock: Clock,
): (caller: Caller) => Promise<BuildResources> {
  return async (caller) => {
    const p = policy();
    const resolved = resolveLimits(p, caller, new Date(clock.now()));
    const l = resolved.limits;
    const host = await hostFacts();
    const cgroupParent = cgroupParentFor(caller.uid, p.aggregateLimits, host.cgroupDriver);
    ensureCgroupParent(cgroupParent, caller.uid, resolved.aggregate);
    return {
      memoryBytes: l.memoryBytes,
      memorySwapBytes: l.memorySwapBytes,
      cpus: containerCpus(l.maxCpus, resolved.aggregate, p.aggregateLimits),
      shmSizeBytes: l.shmSizeBytes,
      cgroupParent,
    };
  };
}

/** What the image service needs of Docker (DockerClient in the daemon). */
export type ImageDocker = BuildDocker & Pick<DockerClient, 'listAllContainers'>;

export class ImageService {
  private readonly running = new Map<number, number>();

  constructor(
    private readonly docker: ImageDocker,
    private readonly resolver: ImageResolver,
    private readonly policy: () => Policy,
    private readonly limits: BuildLimits,
    private readonly clock: Clock,
    private readonly audit: ImageAudit,
    /** The caller's CPU/memory limits (and slice) for the build's containers. */
    private readonly resources: (caller: Caller) => Promise<BuildResources>,
  ) {}

  /** The policy's catalogue, each marked present or not on this server (what `image-list --bases` shows). */
  async bases(): Promise<BaseImage[]> {
    return Promise.all(
      this.policy().images.map(async (i) => ({
        ...i,
        present: await this.docker.inspectImage(i.image).then(
          () => true,
          () => false,
        ),
      })),
    );
  }

  /** Starts a build; refused at once (429-free: a clear QUOTA_EXCEEDED) past the per-user limit. */
  async build(
    caller: Caller,
    q: { name: string; tag: string; noCache: boolean },
    context: Readable,
    signal: AbortSignal,
  ): Promise<AsyncIterable<BuildEvent>> {
    const n = this.running.get(caller.uid) ?? 0;
    if (n >= this.limits.maxConcurrentPerUser)
      throw new Ds01Error(
        'QUOTA_EXCEEDED',
        `you already have ${n} image build(s) running; the limit is ${this.limits.maxConcurrentPerUser}`,
        'wait for one to finish (or stop it with Ctrl-C), then try again',
        { limit: 'builds_per_user', current: n, max: this.limits.maxConcurrentPerUser },
      );
    // Counted from here until the build's end (the generator's finally), whatever way it ends.
    this.running.set(caller.uid, n + 1);
    const release = () => {
      const left = (this.running.get(caller.uid) ?? 1) - 1;
      if (left > 0) this.running.set(caller.uid, left);
      else this.running.delete(caller.uid);
    };
    let resources: BuildResources;
    try {
      resources = await this.resources(caller);
    } catch (err) {
      release();
      throw err;
    }
    const onEnd = (o: BuildOutcome) => {
      release();
      return o.ok
        ? this.audit(caller, 'image.built', caller.uid, `built ${o.ref}`, { ref: o.ref, id: o.id })
        : this.audit(caller, 'image.build_failed', caller.uid, o.message, {
            ref: `${imageRepo(caller.uid, q.name)}:${q.tag}`,
            code: o.code,
          });
    };
    return runBuild(
      this.docker,
      this.resolver,
      { caller, ...q, context, signal, resources },
      this.limits,
      this.clock,
      onEnd,
    );
  }

  async list(caller: Caller, opts: { all?: boolean } = {}): Promise<ImageSummary[]> {
    const everyone = caller.admin && opts.all;
    const label = everyone ? IMAGE_LABELS.ownerUid : `${IMAGE_LABELS.ownerUid}=${caller.uid}`;
    const [images, uses] = await Promise.all([this.docker.listImages({ label }), this.containersByImage()]);
    const out: ImageSummary[] = [];
    for (const img of images) {
      const labels = img.labels;
      const ownerUid = Number(labels[IMAGE_LABELS.ownerUid]);
      for (const ref of img.repoTags) {
        const owned = parseOwnedRef(ref);
        if (!owned || owned.uid !== ownerUid) continue;
        out.push({
          ref,
          name: owned.name,
          tag: owned.tag,
          owner: labels[IMAGE_LABELS.ownerName] ?? String(ownerUid),
          ownerUid,
          id: img.id,
          sizeBytes: img.sizeBytes,
          createdAt: new Date(img.created * 1000).toISOString(),
          // Admins see every container on it; a user sees their own.
          containers: (uses.get(img.id) ?? []).filter((c) => caller.admin || c.ownerUid === caller.uid),
        });
      }
    }
    return out.sort((a, b) => a.ownerUid - b.ownerUid || a.ref.localeCompare(b.ref));
  }

  /**
   * Delete `name[:tag]` of the caller (or, for an admin, of `ownerUid`). An image that containers use is
   * refused unless `force`; with force the answer lists what it breaks.
   */
  async remove(
    caller: Caller,
    arg: string,
    opts: { force?: boolean; ownerUid?: number } = {},
  ): Promise<ImageDeleteResult> {
    const parsed = parseUserImageArg(arg);
    if ('error' in parsed) throw new Ds01Error('VALIDATION_FAILED', parsed.error, 'see `image-list`');
    const ownerUid = opts.ownerUid ?? caller.uid;
    const ref = `${imageRepo(ownerUid, parsed.name)}:${parsed.tag}`;
    if (ownerUid !== caller.uid && !caller.admin) throw denyNotOwner(`image ${ref}`);
    const info = await this.docker.inspectImage(ref).catch((err) => {
      if (statusCode(err) === 404) return null;
      throw err;
    });
    if (!info || info.labels[IMAGE_LABELS.ownerUid] !== String(ownerUid))
      throw notFound(`image ${parsed.name}:${parsed.tag}`, 'see `image-list` for your images');
    const users = (await this.containersByImage()).get(info.id) ?? [];
    if (users.length && !opts.force) {
      throw new Ds01Error(
        'CONFLICT',
        `image ${parsed.name}:${parsed.tag} is used by ${users.length} container(s): ${users.map((u) => u.name).join(', ')}`,
        'remove those containers first (`container-retire NAME`), or add --force: they keep running but cannot be recreated from this image',
        { containers: users },
      );
    }
    try {
      await this.docker.removeImage(ref, { force: Boolean(opts.force), noprune: false });
    } catch (err) {
      if (statusCode(err) === 409)
        throw new Ds01Error(
          'CONFLICT',
          `Docker refused to delete ${ref}: ${(err as { json?: { message?: string } }).json?.message ?? (err as Error).message}`,
          'add --force, or remove the containers using it first',
        );
      if (statusCode(err) !== 404) throw err;
    }
    this.audit(
      caller,
      'image.deleted',
      ownerUid,
      `deleted ${ref}${users.length ? ' (forced while in use)' : ''}`,
      {
        ref,
        id: info.id,
        broken: users.map((u) => u.name),
      },
    );
    return { ref, deleted: true, broken: users };
  }

  /** Every container (any state) by the image id it runs. */
  private async containersByImage(): Promise<Map<string, ImageContainerUse[]>> {
    const list = await this.docker.listAllContainers();
    const by = new Map<string, ImageContainerUse[]>();
    for (const c of list) {
      const uid = c.labels[LABELS.ownerUid];
      const use: ImageContainerUse = {
        id: c.id,
        name: c.name,
        state: c.state,
        ownerUid: uid && /^\d+$/.test(uid) ? Number(uid) : null,
      };
      by.set(c.imageId, [...(by.get(c.imageId) ?? []), use]);
    }
    return by;
  }
}

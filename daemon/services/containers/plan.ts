// The plan of a create: what it would make (name, image, workspace, GPUs, limits), checked against the
// caller's limits and the image rules, without touching Docker. `--dry-run` answers with it.
import type { ContainerPlan } from '../../api/types/containers.js';
import { type ContainerCreateRequest, gpuRequestOf } from '../../api/types/containers.js';
import { dockerName } from '../../docker/labels.js';
import { badRequest, Ds01Error } from '../../errors.js';
import { parseImageRef } from '../../images/resolve.js';
import { printable } from '../../images/resolver.js';
import { containerCpus, resolveLimits } from '../../policy/resolve.js';
import type { Limits, Policy } from '../../policy/types.js';
import type { ContainerRow } from '../../store/containers.js';
import type { GpuRequest } from '../gpu-leases.js';
import { workspacePath } from '../workspace.js';
import type { Owner } from './context.js';

export type Plan = ContainerPlan & { limitsFull: Limits; gpuRequest: GpuRequest | null };

/** A bare image name (`thesis`, `thesis:v2`) as the owner's own `ds01-<uid>/thesis:latest`; else null. */
export function ownImageRef(image: string, uid: number): string | null {
  if (image.includes('/') || image.includes('@')) return null;
  return `ds01-${uid}/${image.includes(':') ? image : `${image}:latest`}`;
}

function imageFor(policy: Policy, req: ContainerCreateRequest): string {
  const catalogue = policy.images;
  if (req.image) {
    // Only the form is checked here; the create resolves and authorizes it (images/resolver.ts).
    if (!parseImageRef(req.image))
      throw badRequest(
        `"${printable(req.image)}" is not an image reference`,
        'name an image as NAME[:TAG] (see `image-list`), or give its full id (sha256:… 64 hex digits)',
      );
    return req.image;
  }
  if (req.framework) {
    const hit = catalogue.find((i) => i.name === req.framework);
    if (!hit) {
      throw badRequest(
        `no framework "${req.framework}" in the image catalogue`,
        catalogue.length
          ? `choose one of: ${catalogue.map((i) => i.name).join(', ')}; or pass --image`
          : 'the policy lists no frameworks: pass --image',
      );
    }
    return hit.image;
  }
  const first = catalogue[0];
  if (!first) throw badRequest('no image given and the policy has no image catalogue', 'pass --image IMAGE');
  return first.image;
}

/** Everything a create would do, checked, without doing it. `live` = the owner's live containers. */
export function planCreate(
  policy: Policy,
  now: number,
  owner: Owner,
  live: ContainerRow[],
  req: ContainerCreateRequest,
): Plan {
  const resolved = resolveLimits(
    policy,
    { name: owner.name, groups: owner.groups, uid: owner.uid },
    new Date(now),
  );
  // max_cpus as the container gets it (clamped to the aggregate cpu_quota it runs under): the spec reads it.
  const limits = {
    ...resolved.limits,
    maxCpus: containerCpus(resolved.limits.maxCpus, resolved.aggregate, policy.aggregateLimits),
  };
  const gpu = gpuRequestOf(req);
  const dn = dockerName(req.name, owner.uid);
  const same = live.find((c) => c.name === dn);
  if (same) {
    throw new Ds01Error(
      'CONFLICT',
      `you already have a container named ${req.name} (${same.state})`,
      same.state === 'running'
        ? `open it with \`container-open ${req.name}\`, or retire it first: \`container-retire ${req.name}\``
        : `start it with \`container-start ${req.name}\`, or retire it first: \`container-retire ${req.name}\``,
    );
  }
  if (limits.maxContainersPerUser !== null && live.length >= limits.maxContainersPerUser) {
    throw new Ds01Error(
      'QUOTA_EXCEEDED',
      `you have ${live.length} containers; your limit is ${limits.maxContainersPerUser} (max_containers_per_user)`,
      'retire one you no longer need: `container-retire NAME` (see `container-list`)',
      { limit: 'max_containers_per_user', current: live.length, max: limits.maxContainersPerUser },
    );
  }
  return {
    name: req.name,
    dockerName: dn,
    image: imageFor(policy, req),
    workspace: workspacePath(owner.home, req.name),
    gpu,
    limits: {
      cpus: limits.maxCpus,
      memoryBytes: limits.memoryBytes,
      memorySwapBytes: limits.memorySwapBytes,
      shmSizeBytes: limits.shmSizeBytes,
      pidsLimit: limits.pidsLimit,
    },
    limitsFull: limits,
    gpuRequest: gpu && {
      ...gpu,
      bookingId: req.booking ?? null,
      acceptDeadline: req.acceptDeadline ?? false,
    },
  };
}

/** The plan as the client sees it. */
export function publicPlan(p: Plan): ContainerPlan {
  const { limitsFull: _l, gpuRequest: _g, ...rest } = p;
  return rest;
}

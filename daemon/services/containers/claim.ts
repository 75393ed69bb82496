// The container quota, decided and recorded at once: inside one BEGIN IMMEDIATE transaction the caller's
// live containers plus their creates in flight (claims) are counted against max_containers_per_user and,
// when there is room, a claim on the Docker name is written. Concurrent deploys therefore queue on the
// database lock and each sees every earlier one; the claim ends when the container row is written (same
// transaction) or the create fails. A second create of a name already claimed is refused the same way.
import { Ds01Error } from '../../errors.js';
import type { Store } from '../../store/index.js';

export function claimContainer(
  store: Store,
  claim: { dockerName: string; project: string; ownerUid: number; maxContainers: number | null; at: number },
): void {
  store.tx(() => {
    const live = store.containers.live(claim.ownerUid);
    if (
      live.some((c) => c.name === claim.dockerName) ||
      !store.claims.insert(claim.dockerName, claim.ownerUid, claim.at)
    ) {
      throw new Ds01Error(
        'CONFLICT',
        `you already have a container named ${claim.project} (or one is being created)`,
        `see \`container-list\`; retire it first with \`container-retire ${claim.project}\` to make a new one`,
      );
    }
    const count = live.length + store.claims.count(claim.ownerUid) - 1;
    if (claim.maxContainers !== null && count >= claim.maxContainers) {
      throw new Ds01Error(
        'QUOTA_EXCEEDED',
        `you have ${count} containers (counting those being created); your limit is ${claim.maxContainers} (max_containers_per_user)`,
        'retire one you no longer need: `container-retire NAME` (see `container-list`)',
        { limit: 'max_containers_per_user', current: count, max: claim.maxContainers },
      );
    }
  });
}

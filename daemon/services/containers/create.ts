// The create saga: after the checks (image, workspace), ordered steps, each with its compensation, so a
// failure anywhere leaves nothing behind: no GPU reservation, no half-made container, no live row.
//   claim the name    ↩ release the claim (the container quota, decided and recorded at once: claim.ts)
//   reserve GPUs      ↩ cancel the reservation
//   build the spec    (pure)
//   create + record   ↩ remove from Docker, then mark the row removed and release its GPUs
//   set up the user   (undone by the removal above; built once per image and user, written into the
//                     container's upper layer, or one archive put where that cannot be: user-files.ts)
// A create that got past the reservation leaves a `container.create_failed` event; one refused up front
// (no such image, no capacity) is only an error to the caller.
import type { ContainerCreateOptions } from 'dockerode';
import type { ContainerCreateRequest } from '../../api/types/containers.js';
import { ensureCgroupParent } from '../../cgroups/aggregate.js';
import type { DockerOps } from '../../docker/ops.js';
import { buildContainerSpec, cgroupParentFor, SpecError } from '../../docker/spec.js';
import { badRequest } from '../../errors.js';
import type { LocalImage } from '../../images/resolve.js';
import { resolveLimits } from '../../policy/resolve.js';
import { workspacePath } from '../workspace.js';
import { claimContainer } from './claim.js';
import type { Actor, ContainerContext, Owner } from './context.js';
import { ownImageRef, type Plan } from './plan.js';
import { runSaga, type Step } from './saga.js';
import { UserFiles } from './user-files.js';

interface CreateState {
  /** The full id of the authorized image: the only image reference Docker gets. */
  imageId: string;
  owner: Owner;
  req: ContainerCreateRequest;
  plan: Plan;
  actor: Actor;
  workspace: string;
  slots: string[];
  spec: ContainerCreateOptions | null;
  id: string | null;
  recorded: boolean;
  /** The reserve step ran (with or without GPUs). */
  reserved: boolean;
  /** The Docker name is marked busy (the event stream leaves it alone). */
  busy: boolean;
  job?: JobContainer;
  deploy: boolean;
}

/** How a create is made beyond the request itself. */
export interface CreateExtras {
  job?: JobContainer;
  /** Docker's image list when the caller just read it (deploy's checks); else read here. */
  images?: LocalImage[];
  /** A deploy starts it right after: labelled so a restarted ds01d removes it if the deploy died between. */
  deploy?: boolean;
}

/** Background removes of a half-made container before leaving it to reconcile (1 s … 32 s apart). */
const REMOVE_RETRIES = 6;

/** A batch job's container: labelled with the job id, its workspace the job's project (not its name). */
export interface JobContainer {
  id: number;
  project: string;
  /** Exactly these slots (a Slurm job: Slurm chose them), instead of the allocator's choice. */
  slots?: readonly string[];
}

const whyFailed = (err: unknown) => `create failed: ${(err as Error)?.message ?? err}`;

export class CreateSaga {
  private host: ReturnType<DockerOps['hostFacts']> | null = null;

  /** whoami and cd ~ on any image (user-files.ts). */
  readonly userFiles: UserFiles;

  constructor(private readonly c: ContainerContext) {
    this.userFiles = new UserFiles({
      ops: c.d.ops,
      storage: () => this.hostFacts().then((h) => h.storage),
      writer: c.d.userFiles === 'archive' ? null : c.d.workspaces,
      log: c.d.log,
    });
  }

  private get d() {
    return this.c.d;
  }

  /** Create the planned container for `owner`; returns its Docker id. */
  async run(
    owner: Owner,
    req: ContainerCreateRequest,
    plan: Plan,
    actor: Actor,
    { job, images, deploy = false }: CreateExtras = {},
  ): Promise<string> {
    const imageId = await this.resolveImage(owner, plan, images);
    // Checked (and created) now so a bad workspace is a plain refusal; checked again at every start.
    this.d.workspaces.check(owner, job?.project ?? req.name);
    const s: CreateState = {
      imageId,
      owner,
      req,
      plan,
      actor,
      // What Docker binds: the daemon's own path, never the user's (see workspace-binder.ts).
      workspace: this.d.workspaces.target(plan.dockerName),
      slots: [],
      spec: null,
      id: null,
      recorded: false,
      reserved: false,
      busy: false,
      deploy,
      ...(job ? { job } : {}),
    };
    try {
      await runSaga(this.steps, s, (step, e) =>
        this.d.log.error('cleanup after a failed create failed', { step, id: s.id, err: String(e) }),
      );
      return s.id as string;
    } catch (err) {
      // No capacity is a plain refusal (deploy may queue it): recorded only once something was held.
      if (s.reserved) this.recordFailure(s, err);
      throw err;
    } finally {
      if (s.busy) this.c.busy.delete(plan.dockerName);
    }
  }

  private readonly steps: Step<CreateState>[] = [
    {
      name: 'claim the name',
      run: (s) =>
        claimContainer(this.d.store, {
          dockerName: s.plan.dockerName,
          project: s.req.name,
          ownerUid: s.owner.uid,
          maxContainers: s.plan.limitsFull.maxContainersPerUser,
          at: this.d.clock.now(),
        }),
      undo: (s) => this.d.store.claims.release(s.plan.dockerName),
    },
    {
      name: 'reserve GPUs',
      run: (s) => {
        const { plan, owner, actor } = s;
        if (s.job?.slots?.length)
          s.slots = this.d.leases.reservePinned(owner, s.job.slots, actor.name).map((x) => x.uuid);
        else if (plan.gpuRequest)
          s.slots = this.d.leases
            .reserve(owner, plan.limitsFull, plan.gpuRequest, actor.name)
            .map((x) => x.uuid);
        s.reserved = true;
      },
      undo: (s, err) => {
        if (s.slots.length) this.d.leases.cancel(s.slots, whyFailed(err));
      },
    },
    { name: 'build the spec', run: (s) => this.buildSpec(s) },
    {
      name: 'create and record',
      undoOnFailure: true,
      run: (s) => this.createAndRecord(s),
      undo: (s, err) => this.removeHalfMade(s, whyFailed(err)),
    },
    { name: 'set up the user', run: (s) => this.userFiles.setUp(s.id as string, s.imageId, s.owner) },
  ];

  private recordFailure(s: CreateState, err: unknown): void {
    try {
      this.c.log.by(
        s.actor,
        'container.create_failed',
        { subjectUid: s.owner.uid, containerId: s.id, containerName: s.plan.dockerName },
        whyFailed(err),
      );
    } catch (e) {
      this.d.log.error('cleanup after a failed create failed', { id: s.id, err: String(e) });
    }
  }

  /**
   * The exact image, authorized for the owner (another user's image is theirs alone, DESIGN §3), as a
   * full id; `--image thesis` also means the owner's own ds01-<uid>/thesis:latest when they built one.
   * Resolved at create time, so a queued deploy is checked again when its turn comes.
   */
  private async resolveImage(owner: Owner, plan: Plan, images?: LocalImage[]): Promise<string> {
    const own = ownImageRef(plan.image, owner.uid);
    const image = await this.d.images.resolve(
      plan.image,
      { uid: owner.uid, admin: false },
      { fallbacks: own ? [own] : [], ...(images ? { images } : {}) },
    );
    plan.image = image.ref;
    return image.id;
  }

  private hostFacts() {
    this.host ??= this.d.ops.hostFacts();
    return this.host;
  }

  private async buildSpec(s: CreateState): Promise<void> {
    const policy = this.d.policy.current();
    const host = await this.hostFacts();
    const cgroupParent = cgroupParentFor(s.owner.uid, policy.aggregateLimits, host.cgroupDriver);
    // The user's aggregate caps live on the parent; it must exist with them before Docker puts a child there.
    const aggregate = resolveLimits(policy, s.owner, new Date(this.d.clock.now())).aggregate;
    ensureCgroupParent(cgroupParent, s.owner.uid, aggregate);
    try {
      s.spec = buildContainerSpec({
        project: s.req.name,
        owner: s.owner,
        image: s.imageId, // never the user's string: Docker would resolve prefixes and odd paths
        workspace: s.workspace,
        limits: s.plan.limitsFull,
        slots: s.slots,
        sharedMounts: policy.sharedMounts,
        cgroupParent,
        hostCpus: host.cpus,
        env: s.req.env,
        command: s.req.command,
        createdBy: this.d.createdBy,
        ...(s.job ? { jobId: s.job.id } : {}),
        deploy: s.deploy,
      });
    } catch (err) {
      if (err instanceof SpecError) throw badRequest(err.message);
      throw err;
    }
  }

  private async createAndRecord(s: CreateState): Promise<void> {
    const { plan, owner } = s;
    // While in flight the event stream does not adopt it as if it had been made behind ds01's back.
    this.c.busy.add(plan.dockerName);
    s.busy = true;
    try {
      s.id = await this.d.ops.create(s.spec as ContainerCreateOptions);
    } finally {
      if (s.id === null) {
        this.c.busy.delete(plan.dockerName);
        s.busy = false;
      }
    }
    const cid = s.id;
    this.d.store.tx(() => {
      // The claim becomes the row: the quota counts the same container once, without a gap.
      this.d.store.claims.release(plan.dockerName);
      this.d.store.containers.insert({
        id: cid,
        name: plan.dockerName,
        project: s.req.name,
        owner_uid: owner.uid,
        owner_name: owner.name,
        image: plan.image,
        state: 'created',
        created_at: this.d.clock.now(),
        limits_json: JSON.stringify(plan.limits),
      });
      if (s.slots.length) this.d.leases.attach(s.slots, cid);
      this.c.audit(
        s.actor,
        { id: cid, name: plan.dockerName, owner_uid: owner.uid },
        'container.created',
        `created from ${plan.image}`,
        {
          image: plan.image,
          slots: s.slots,
          limits: plan.limits,
          workspace: workspacePath(owner.home, s.job?.project ?? s.req.name),
        },
      );
    });
    s.recorded = true;
    this.c.busy.delete(plan.dockerName);
    s.busy = false;
  }

  /** Docker first, so the GPUs are free before the store says so. */
  /**
   * Undo of a half-made container. The row and its GPUs are given up only once Docker has let go of the
   * container: when the remove fails (dockerd restarting under us), marking it removed would leave a
   * container the store calls gone, holding devices nobody accounts for, and never adopted again. So the
   * row stays with its allocation and the remove is retried in the background; the never-started rule
   * and reconcile finish it if ds01d dies first.
   */
  private async removeHalfMade(s: CreateState, why: string, attempt = 0): Promise<void> {
    const id = s.id;
    if (!id) return;
    // In flight until recorded: Docker's destroy event must not make it `vanished` first (then no
    // container.removed event is written: a race the create-undo test caught once).
    this.c.busy.add(id);
    try {
      await this.removeHalfMadeOnce(s, id, why, attempt);
    } finally {
      this.c.busy.delete(id);
    }
  }

  private async removeHalfMadeOnce(s: CreateState, id: string, why: string, attempt: number): Promise<void> {
    const removed = await this.d.ops.remove(id).then(
      () => true,
      (e) => {
        this.d.log.error('cleanup: cannot remove container (kept, retrying)', {
          id,
          attempt,
          err: String(e),
        });
        return false;
      },
    );
    if (!removed) {
      // Meanwhile its GPU is held, not active: the container will never run (a start would have to take
      // the slot back through prepareStart), and the slot is not free while Docker still names it.
      if (attempt === 0 && s.recorded)
        this.d.store.tx(() => this.d.leases.containerStopped(id, this.d.clock.now()));
      if (attempt < REMOVE_RETRIES)
        setTimeout(() => void this.removeHalfMade(s, why, attempt + 1), 1000 * 2 ** attempt).unref();
      return;
    }
    if (!s.recorded) return;
    this.d.store.tx(() => {
      const row = this.d.store.containers.get(id);
      if (!row || row.removed_at !== null) return;
      this.d.store.containers.markRemoved(id, this.d.clock.now());
      this.d.leases.releaseForContainer(id, why, s.actor.name);
      this.c.audit(s.actor, row, 'container.removed', `removed after a failed create: ${why}`);
    });
  }
}

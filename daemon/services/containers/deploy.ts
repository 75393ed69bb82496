// create and deploy (create + start) for a caller, and for a queued request whose turn has come. A deploy
// that finds no GPU free may wait in the queue (`--queue`); one that cannot start leaves nothing behind.
import type { DeployResult } from '../../api/types/containers.js';
import {
  type ContainerCreateRequest,
  type ContainerDeployRequest,
  containerDeployRequest,
} from '../../api/types/containers.js';
import { Ds01Error } from '../../errors.js';
import type { Caller } from '../../identity/caller.js';
import { type LocalImage, matchImage, parseImageRef } from '../../images/resolve.js';
import type { ContainerRow } from '../../store/containers.js';
import type { QueuedDeploy } from '../gpu-queue.js';
import { type Actor, actorOf, type ContainerContext, DAEMON, type Owner } from './context.js';
import type { CreateSaga } from './create.js';
import { ownImageRef, type Plan, planCreate, publicPlan } from './plan.js';
import type { ContainerStates } from './state.js';

export class ContainerDeploys {
  constructor(
    private readonly c: ContainerContext,
    private readonly saga: CreateSaga,
    private readonly states: ContainerStates,
  ) {}

  private get d() {
    return this.c.d;
  }

  plan(owner: Owner, req: ContainerCreateRequest): Plan {
    return planCreate(
      this.d.policy.current(),
      this.d.clock.now(),
      owner,
      this.d.store.containers.live(owner.uid),
      req,
    );
  }

  /**
   * The plan with its image settled and checked, so a dry run fails where the real one would, before any
   * question is asked: no --image and no --framework means the user's own image of the project's name when
   * they built one, else the catalogue's first; `--image thesis` may mean their ds01-<uid>/thesis.
   * One image list from Docker answers every check here and the create's exact resolution after it (the
   * user's string never reaches Docker, and a deploy costs one round trip for images, not three or four).
   */
  async checkedPlan(
    owner: Owner,
    req: ContainerCreateRequest,
  ): Promise<{ plan: Plan; images: LocalImage[] }> {
    const images = await this.d.images.local();
    const exists = (text: string) => {
      const ref = parseImageRef(text);
      return ref !== null && matchImage(ref, images) !== null;
    };
    const own = `ds01-${owner.uid}/${req.name}:latest`;
    const useOwn = !req.image && !req.framework && exists(own);
    const plan = this.plan(owner, useOwn ? { ...req, image: own } : req);
    if (exists(plan.image)) return { plan, images };
    const mine = ownImageRef(plan.image, owner.uid);
    if (mine && exists(mine)) return { plan: { ...plan, image: mine }, images };
    const defaulted = !req.image && !req.framework;
    throw new Ds01Error(
      'NOT_FOUND',
      `image ${plan.image} is not on this server${defaulted ? ` (the default: no --image was given and you have no image named ${req.name})` : ''}`,
      defaulted
        ? `build yours with \`image-create ${req.name}\`, or pass --image (see \`image-list\` and \`image-list --bases\`)`
        : 'see `image-list` for your images and `image-list --bases` for the base images here, or build one with `image-create`',
    );
  }

  async create(caller: Caller, req: ContainerCreateRequest): Promise<DeployResult> {
    const owner = await this.c.ownerOf(caller);
    const { plan, images } = await this.checkedPlan(owner, req);
    if (req.dryRun) return { status: 'dry-run', plan: publicPlan(plan), container: null, queue: null };
    const id = await this.saga.run(owner, req, plan, actorOf(caller), { images });
    return { status: 'created', plan: publicPlan(plan), container: this.c.summary(id), queue: null };
  }

  async deploy(caller: Caller, req: ContainerDeployRequest): Promise<DeployResult> {
    return this.deployFor(await this.c.ownerOf(caller), req, actorOf(caller), true);
  }

  /** The GPU queue calls this when a queued deploy's turn comes (wired in main.ts). */
  async serveQueued(entry: QueuedDeploy): Promise<{ containerId: string | null }> {
    const acct = await this.d.accounts.byUid(entry.owner.uid);
    if (!acct)
      throw new Ds01Error('NOT_FOUND', `queued owner uid ${entry.owner.uid} has no account any more`);
    const parsed = containerDeployRequest.parse(entry.request);
    const r = await this.deployFor(acct, { ...parsed, queue: false }, DAEMON, false);
    return { containerId: r.container?.id ?? null };
  }

  private async deployFor(
    owner: Owner,
    req: ContainerDeployRequest,
    actor: Actor,
    mayQueue: boolean,
  ): Promise<DeployResult> {
    const { queue, ...createReq } = req;
    const { plan, images } = await this.checkedPlan(owner, createReq);
    if (req.dryRun) return { status: 'dry-run', plan: publicPlan(plan), container: null, queue: null };
    let id: string;
    try {
      id = await this.saga.run(owner, createReq, plan, actor, { images, deploy: true });
    } catch (err) {
      if (
        err instanceof Ds01Error &&
        err.code === 'NO_CAPACITY' &&
        queue &&
        mayQueue &&
        this.d.queue &&
        plan.gpuRequest
      ) {
        const request = { ...req, dryRun: undefined };
        // The same deploy asked again while it waits is that entry, not a second one: a user repeating
        // `--queue` (or a script in a loop) must not grow the queue, which every pass and estimate walks.
        const waiting = this.d.queue.waitingFor(
          owner.uid,
          (r) => (r as { name?: unknown } | null)?.name === req.name,
        );
        if (waiting && JSON.stringify(waiting.request) !== JSON.stringify(request))
          throw new Ds01Error(
            'CONFLICT',
            `${req.name} is already waiting in the GPU queue (entry ${waiting.view.id}) with other options`,
            `leave it first to change them: \`ds01 queue leave ${waiting.view.id}\`, then deploy again`,
          );
        const entry =
          waiting?.view ??
          this.d.queue.enqueue(
            { uid: owner.uid, name: owner.name },
            request,
            plan.gpuRequest,
            plan.limitsFull.priority,
            plan.limitsFull,
          );
        return {
          status: 'queued',
          plan: publicPlan(plan),
          container: null,
          queue: { id: entry.id, position: entry.position ?? 0 },
        };
      }
      if (err instanceof Ds01Error && err.code === 'NO_CAPACITY' && mayQueue && !queue) {
        throw new Ds01Error(
          err.code,
          err.message,
          `${err.hint ? `${err.hint}; ` : ''}add --queue to wait for one`,
          err.details,
        );
      }
      throw err;
    }
    const row = this.d.store.containers.get(id) as ContainerRow;
    try {
      await this.states.startRow(row, actor);
    } catch (err) {
      // A deploy that cannot start leaves nothing behind: no container, no GPU.
      await this.states
        .removeNow(row, actor, `deploy failed to start: ${(err as Error).message}`)
        .catch((e) =>
          this.d.log.error('cleanup: cannot remove a container that failed to start', { id, err: String(e) }),
        );
      throw err;
    }
    this.c.audit(actor, row, 'container.deployed', `deployed ${plan.image}`, {
      slots: plan.gpuRequest ? this.d.leases.slotsOf(id).map((s) => s.uuid) : [],
    });
    return { status: 'running', plan: publicPlan(plan), container: this.c.summary(id), queue: null };
  }
}

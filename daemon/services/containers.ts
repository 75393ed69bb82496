// The container lifecycle: create, start, stop, remove, deploy (create + start), retire (stop + remove +
// release at once, workspace kept), logs, stats and the shell's exec. Every Docker call is idempotent; a
// failure after a GPU reservation cancels it and removes the half-made container, so nothing leaks. Every
// action is an audit event; ownership is ContainerQueries.resolve (FORBIDDEN for another user's).
import type { Duplex } from 'node:stream';
import type { Caller } from '../api/router.js';
import type {
  ContainerPlan,
  ContainerStats,
  ContainerSummary,
  DeployResult,
  LogChunk,
  RetireResult,
} from '../api/types/containers.js';
import type { Clock } from '../clock.js';
import { packTar } from '../common/tar.js';
import { StreamDemuxer } from '../docker/demux.js';
import { dockerName } from '../docker/labels.js';
import { type DockerOps, dockerError } from '../docker/ops.js';
import { withGroup, withPasswdUser } from '../docker/passwd.js';
import { isRunningLike } from '../docker/reconcile.js';
import {
  type CreateRequest,
  type DeployRequest,
  deployRequestSchema,
  gpuRequestOf,
} from '../docker/request.js';
import { buildContainerSpec, cgroupParentFor, homeOf, SpecError } from '../docker/spec.js';
import { computeStats, type DockerStatsSample } from '../docker/stats.js';
import { badRequest, Ds01Error } from '../errors.js';
import type { Inventory } from '../gpu/types.js';
import type { AccountLookup } from '../identity/nss.js';
import { imageUseProblem } from '../images/naming.js';
import type { Logger } from '../log.js';
import { resolveLimits } from '../policy/resolve.js';
import type { Limits } from '../policy/types.js';
import type { ContainerRow } from '../store/containers.js';
import type { Store } from '../store/index.js';
import type { ContainerQueries } from './containers-read.js';
import type { GpuLeases, GpuRequest } from './gpu-leases.js';
import type { GpuQueue, QueuedDeploy } from './gpu-queue.js';
import type { PolicyService } from './policy.js';
import { ensureWorkspace, workspacePath } from './workspace.js';

/** Whose container it is: an account from NSS (the caller, or a queued request's owner). */
export interface Owner {
  uid: number;
  gid: number;
  name: string;
  home: string;
  groups: string[];
}

interface Actor {
  uid: number | null;
  name: string;
}

const DAEMON: Actor = { uid: null, name: 'ds01d' };

/** A bare image name (`thesis`, `thesis:v2`) as the owner's own `ds01-<uid>/thesis:latest`; else null. */
export function ownImageRef(image: string, uid: number): string | null {
  if (image.includes('/') || image.includes('@')) return null;
  return `ds01-${uid}/${image.includes(':') ? image : `${image}:latest`}`;
}

/**
 * Containers (by id or Docker name) with a ds01 operation in flight: the event stream leaves their state to
 * the operation, and the lifecycle does not act on them. Counted, so nested operations (retire = stop +
 * remove) keep the mark until the outermost ends.
 */
class BusySet {
  private readonly counts = new Map<string, number>();
  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  delete(key: string): void {
    const n = (this.counts.get(key) ?? 0) - 1;
    if (n > 0) this.counts.set(key, n);
    else this.counts.delete(key);
  }
  has(key: string): boolean {
    return this.counts.has(key);
  }
}

export interface ContainersDeps {
  store: Store;
  ops: DockerOps;
  queries: ContainerQueries;
  policy: PolicyService;
  leases: Pick<
    GpuLeases,
    | 'reserve'
    | 'attach'
    | 'cancel'
    | 'slotsOf'
    | 'prepareStart'
    | 'containerStarted'
    | 'containerStopped'
    | 'releaseForContainer'
  >;
  queue: Pick<GpuQueue, 'enqueue'> | null;
  accounts: AccountLookup;
  inventory: () => Inventory | null;
  clock: Clock;
  log: Logger;
  createdBy: string;
}

export interface ShellOptions {
  tty: boolean;
  cols?: number;
  rows?: number;
  term?: string;
  cmd?: string[];
}

/** A Docker exec, ready to be wired to the client's socket. */
export interface ShellSession {
  stream: Duplex;
  tty: boolean;
  resize(cols: number, rows: number): Promise<void>;
  /** Exit code once the stream has ended (null if Docker cannot say). */
  exitCode(): Promise<number | null>;
  close(): void;
}

const DEFAULT_STOP_TIMEOUT_SEC = 10;
const LOGIN_SHELL = [
  '/bin/sh',
  '-c',
  'if [ -x /bin/bash ]; then exec /bin/bash -l; else exec /bin/sh -l; fi',
];

export class ContainerService {
  private readonly sessions = new Map<string, number>();
  /** Docker names and ids this service is creating or removing right now (DockerSync leaves them alone). */
  private readonly busy = new BusySet();
  private host: Promise<{ cgroupDriver: string | null; cpus: number | null }> | null = null;

  constructor(private readonly d: ContainersDeps) {}

  inFlight(nameOrId: string): boolean {
    return this.busy.has(nameOrId);
  }

  /** Shells attached through ds01 right now (the lifecycle engine counts a container in use while > 0). */
  sessionsOf(containerId: string): number {
    return this.sessions.get(containerId) ?? 0;
  }

  // ——— reading ———

  private limitsOf(owner: Owner): Limits {
    return resolveLimits(
      this.d.policy.current(),
      { name: owner.name, groups: owner.groups, uid: owner.uid },
      new Date(this.d.clock.now()),
    ).limits;
  }

  private imageFor(req: CreateRequest, owner: Owner): string {
    const catalogue = this.d.policy.current().images;
    if (req.image) {
      // Another user's ds01-<uid>/… image is theirs alone (images are per user, DESIGN §3).
      const why = imageUseProblem(req.image, { uid: owner.uid, admin: false });
      if (why)
        throw new Ds01Error('FORBIDDEN', why, 'use one of your own images (`image-list`) or --framework');
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
    if (!first)
      throw badRequest('no image given and the policy has no image catalogue', 'pass --image IMAGE');
    return first.image;
  }

  /** Everything a create would do, checked, without doing it. */
  plan(
    owner: Owner,
    req: CreateRequest,
  ): ContainerPlan & { limitsFull: Limits; gpuRequest: GpuRequest | null } {
    const limits = this.limitsOf(owner);
    const gpu = gpuRequestOf(req);
    const live = this.d.store.containers.live(owner.uid);
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
      image: this.imageFor(req, owner),
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
      gpuRequest: gpu,
    };
  }

  private publicPlan(p: ReturnType<ContainerService['plan']>): ContainerPlan {
    const { limitsFull: _l, gpuRequest: _g, ...rest } = p;
    return rest;
  }

  private audit(
    actor: Actor,
    row: Pick<ContainerRow, 'id' | 'name' | 'owner_uid'>,
    kind: string,
    reason: string,
    data?: Record<string, unknown>,
  ) {
    this.d.store.events.append({
      ts: this.d.clock.now(),
      actorUid: actor.uid,
      actorName: actor.name,
      subjectUid: row.owner_uid,
      containerId: row.id,
      containerName: row.name,
      kind,
      reason,
      data: data ?? null,
    });
  }

  private summary(id: string): ContainerSummary {
    const row = this.d.store.containers.get(id);
    if (!row) throw new Ds01Error('INTERNAL', `container ${id} vanished from the store`);
    return this.d.queries.summary(row);
  }

  private hostFacts() {
    this.host ??= this.d.ops.hostFacts();
    return this.host;
  }

  // ——— create / start ———

  /** The caller's account from NSS: its primary gid and home, not whatever gid the client process had. */
  private async ownerOf(caller: Caller): Promise<Owner> {
    const acct = await this.d.accounts.byUid(caller.uid);
    if (!acct) throw new Ds01Error('UNAUTHENTICATED', `uid ${caller.uid} has no account on this host`);
    return acct;
  }

  async create(caller: Caller, req: CreateRequest): Promise<DeployResult> {
    const owner = await this.ownerOf(caller);
    const plan = this.plan(owner, req);
    if (req.dryRun) return { status: 'dry-run', plan: this.publicPlan(plan), container: null, queue: null };
    const id = await this.createFor(owner, req, plan, { uid: caller.uid, name: caller.name });
    return { status: 'created', plan: this.publicPlan(plan), container: this.summary(id), queue: null };
  }

  private async createFor(
    owner: Owner,
    req: CreateRequest,
    plan: ReturnType<ContainerService['plan']>,
    actor: Actor,
  ): Promise<string> {
    if (!(await this.d.ops.imageExists(plan.image))) {
      // `--image thesis` means the user's own ds01-<uid>/thesis:latest when they built one.
      const own = ownImageRef(plan.image, owner.uid);
      if (!own || !(await this.d.ops.imageExists(own))) {
        throw new Ds01Error(
          'NOT_FOUND',
          `image ${plan.image} is not on this server`,
          'see `image-list` for the images here, or build one with `image-create`',
        );
      }
      plan.image = own;
    }
    const workspace = ensureWorkspace(owner, req.name);
    const slots = plan.gpuRequest
      ? this.d.leases.reserve(owner, plan.limitsFull, plan.gpuRequest, actor.name).map((s) => s.uuid)
      : [];
    let id: string | null = null;
    let recorded = false;
    try {
      const policy = this.d.policy.current();
      const host = await this.hostFacts();
      let spec: ReturnType<typeof buildContainerSpec>;
      try {
        spec = buildContainerSpec({
          project: req.name,
          owner,
          image: plan.image,
          workspace,
          limits: plan.limitsFull,
          slots,
          sharedMounts: policy.sharedMounts,
          cgroupParent: cgroupParentFor(owner.uid, policy.aggregateLimits, host.cgroupDriver),
          hostCpus: host.cpus,
          env: req.env,
          command: req.command,
          createdBy: this.d.createdBy,
        });
      } catch (err) {
        if (err instanceof SpecError) throw badRequest(err.message);
        throw err;
      }
      // While in flight the event stream does not adopt it as if it had been made behind ds01's back.
      this.busy.add(plan.dockerName);
      try {
        id = await this.d.ops.create(spec);
      } finally {
        if (id === null) this.busy.delete(plan.dockerName);
      }
      const cid = id;
      this.d.store.tx(() => {
        this.d.store.containers.insert({
          id: cid,
          name: plan.dockerName,
          project: req.name,
          owner_uid: owner.uid,
          owner_name: owner.name,
          image: plan.image,
          state: 'created',
          created_at: this.d.clock.now(),
          limits_json: JSON.stringify(plan.limits),
        });
        if (slots.length) this.d.leases.attach(slots, cid);
        this.audit(
          actor,
          { id: cid, name: plan.dockerName, owner_uid: owner.uid },
          'container.created',
          `created from ${plan.image}`,
          {
            image: plan.image,
            slots,
            limits: plan.limits,
            workspace,
          },
        );
      });
      recorded = true;
      this.busy.delete(plan.dockerName);
      await this.setupUser(cid, owner);
      return cid;
    } catch (err) {
      await this.undoCreate(id, recorded, slots, owner, plan.dockerName, actor, err);
      this.busy.delete(plan.dockerName);
      throw err;
    }
  }

  private async undoCreate(
    id: string | null,
    recorded: boolean,
    slots: string[],
    owner: Owner,
    name: string,
    actor: Actor,
    err: unknown,
  ) {
    const why = `create failed: ${(err as Error)?.message ?? err}`;
    if (id) {
      await this.d.ops
        .remove(id)
        .catch((e) => this.d.log.error('cleanup: cannot remove container', { id, err: String(e) }));
    }
    try {
      if (id && recorded) {
        const cid = id;
        this.d.store.tx(() => {
          this.d.store.containers.markRemoved(cid, this.d.clock.now());
          this.d.leases.releaseForContainer(cid, why, actor.name);
        });
      }
      if (slots.length) this.d.leases.cancel(slots, why);
      this.d.store.events.append({
        ts: this.d.clock.now(),
        actorUid: actor.uid,
        actorName: actor.name,
        subjectUid: owner.uid,
        containerId: id,
        containerName: name,
        kind: 'container.create_failed',
        reason: why,
      });
    } catch (e) {
      this.d.log.error('cleanup after a failed create failed', { id, err: String(e) });
    } finally {
      if (id) this.busy.delete(id);
    }
  }

  /** Give the user a name and a home inside the image (whoami, cd ~), whatever the image ships. */
  private async setupUser(id: string, owner: Owner): Promise<void> {
    const [passwd, group, bash] = await Promise.all([
      this.d.ops.readFile(id, '/etc/passwd'),
      this.d.ops.readFile(id, '/etc/group'),
      this.d.ops.exists(id, '/bin/bash'),
    ]);
    const home = homeOf(owner.name);
    const tar = await packTar([
      {
        name: 'etc/passwd',
        type: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        data: Buffer.from(
          withPasswdUser(passwd?.toString('utf8') ?? '', {
            name: owner.name,
            uid: owner.uid,
            gid: owner.gid,
            home,
            shell: bash ? '/bin/bash' : '/bin/sh',
          }),
        ),
      },
      {
        name: 'etc/group',
        type: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        data: Buffer.from(withGroup(group?.toString('utf8') ?? '', { name: owner.name, gid: owner.gid })),
      },
      { name: home.slice(1), type: 'dir', mode: 0o700, uid: owner.uid, gid: owner.gid },
    ]);
    await this.d.ops.putTar(id, tar);
  }

  async start(caller: Caller, ref: string): Promise<ContainerSummary> {
    const row = this.d.queries.resolve(caller, ref);
    await this.startRow(row, { uid: caller.uid, name: caller.name });
    return this.summary(row.id);
  }

  private async startRow(row: ContainerRow, actor: Actor): Promise<void> {
    if (row.state === 'running') return;
    // In flight: Docker's start event must not record a second container.started (as ds01d) meanwhile.
    this.busy.add(row.id);
    try {
      await this.startAndRecord(row, actor);
    } finally {
      this.busy.delete(row.id);
    }
  }

  private async startAndRecord(row: ContainerRow, actor: Actor): Promise<void> {
    this.d.leases.prepareStart(row.id);
    try {
      await this.d.ops.start(row.id);
    } catch (err) {
      // prepareStart re-activated held slots: put them back on hold (the container did not start).
      this.d.store.tx(() => this.d.leases.containerStopped(row.id, this.d.clock.now()));
      throw err;
    }
    const st = await this.d.ops.state(row.id);
    this.d.store.tx(() => {
      const cur = this.d.store.containers.get(row.id);
      if (!cur || cur.removed_at !== null) return;
      const now = this.d.clock.now();
      if (st && isRunningLike(st.status) && !isRunningLike(cur.state)) {
        this.d.store.containers.markState(row.id, st.status, now);
        this.d.leases.containerStarted(row.id, now);
      }
      this.audit(actor, cur, 'container.started', 'started');
    });
    if (st && !isRunningLike(st.status)) {
      throw new Ds01Error(
        'CONFLICT',
        `the container exited at once (exit code ${st.exitCode ?? '?'})`,
        `see why with \`container-logs ${row.project}\``,
      );
    }
  }

  // ——— stop / remove ———

  async stop(
    caller: Caller,
    ref: string,
    opts: { timeout?: number; force?: boolean },
  ): Promise<ContainerSummary> {
    const row = this.d.queries.resolve(caller, ref);
    await this.stopRow(row, { uid: caller.uid, name: caller.name }, opts, 'stopped by request');
    return this.summary(row.id);
  }

  /** ds01d's own stop (lifecycle): audited as the daemon with its reason, not as a user. */
  async stopAsDaemon(id: string, reason: string, timeoutSec: number): Promise<void> {
    const row = this.d.store.containers.get(id);
    if (!row || row.removed_at !== null) return;
    await this.stopRow(row, DAEMON, { timeout: timeoutSec }, reason);
  }

  /** ds01d's own removal (lifecycle, after container_hold_after_stop). */
  async removeAsDaemon(id: string, reason: string): Promise<void> {
    const row = this.d.store.containers.get(id);
    if (!row || row.removed_at !== null) return;
    await this.removeNow(row, DAEMON, reason);
  }

  private async stopRow(
    row: ContainerRow,
    actor: Actor,
    opts: { timeout?: number; force?: boolean },
    reason: string,
    /** Retire removes right after: the slots go straight back then, with no hold in between. */
    retiring = false,
  ): Promise<boolean> {
    this.busy.add(row.id);
    try {
      return await this.stopAndRecord(row, actor, opts, reason, retiring);
    } finally {
      this.busy.delete(row.id);
    }
  }

  private async stopAndRecord(
    row: ContainerRow,
    actor: Actor,
    opts: { timeout?: number; force?: boolean },
    reason: string,
    retiring: boolean,
  ): Promise<boolean> {
    if (opts.force) await this.d.ops.kill(row.id);
    else await this.d.ops.stop(row.id, opts.timeout ?? DEFAULT_STOP_TIMEOUT_SEC);
    const st = await this.d.ops.state(row.id);
    return this.d.store.tx(() => {
      const cur = this.d.store.containers.get(row.id);
      if (!cur || cur.removed_at !== null) return false;
      const now = this.d.clock.now();
      const wasRunning = isRunningLike(cur.state);
      if (wasRunning && (!st || !isRunningLike(st.status))) {
        this.d.store.containers.markState(row.id, st?.status ?? 'exited', now);
        if (!retiring) this.d.leases.containerStopped(row.id, now);
      }
      if (wasRunning)
        this.audit(actor, cur, 'container.stopped', `${reason}${opts.force ? ' (killed)' : ''}`, {
          timeoutSec: opts.force ? 0 : (opts.timeout ?? DEFAULT_STOP_TIMEOUT_SEC),
        });
      return wasRunning;
    });
  }

  async remove(
    caller: Caller,
    ref: string,
    opts: { force?: boolean } = {},
  ): Promise<{ id: string; name: string }> {
    const row = this.d.queries.resolve(caller, ref);
    if (isRunningLike(row.state) && !opts.force) {
      throw new Ds01Error(
        'CONFLICT',
        `${row.project} is running`,
        `stop it first (\`container-stop ${row.project}\`), pass --force, or use \`container-retire ${row.project}\``,
      );
    }
    await this.removeNow(row, { uid: caller.uid, name: caller.name }, 'removed by request');
    return { id: row.id, name: row.project };
  }

  /** Call right after Docker's removal (no await in between), before the event stream reports it. */
  /** Remove in Docker, then record it (the event stream leaves it alone meanwhile); GPUs released at once. */
  private async removeNow(row: ContainerRow, actor: Actor, reason: string): Promise<void> {
    this.busy.add(row.id);
    try {
      await this.d.ops.remove(row.id);
      this.removeRecorded(row, actor, reason);
    } finally {
      this.busy.delete(row.id);
    }
  }

  private removeRecorded(row: ContainerRow, actor: Actor, reason: string): void {
    this.d.store.tx(() => {
      const cur = this.d.store.containers.get(row.id);
      if (cur && cur.removed_at === null) {
        this.d.store.containers.markRemoved(row.id, this.d.clock.now());
        this.audit(actor, row, 'container.removed', reason);
      }
      this.d.leases.releaseForContainer(row.id, `container removed (${reason})`, actor.name);
    });
  }

  // ——— orchestrators ———

  async deploy(caller: Caller, req: DeployRequest): Promise<DeployResult> {
    return this.deployFor(await this.ownerOf(caller), req, { uid: caller.uid, name: caller.name }, true);
  }

  private async deployFor(
    owner: Owner,
    req: DeployRequest,
    actor: Actor,
    mayQueue: boolean,
  ): Promise<DeployResult> {
    const { queue, ...createReq } = req;
    const plan = this.plan(owner, createReq);
    if (req.dryRun) return { status: 'dry-run', plan: this.publicPlan(plan), container: null, queue: null };
    let id: string;
    try {
      id = await this.createFor(owner, createReq, plan, actor);
    } catch (err) {
      if (
        err instanceof Ds01Error &&
        err.code === 'NO_CAPACITY' &&
        queue &&
        mayQueue &&
        this.d.queue &&
        plan.gpuRequest
      ) {
        const entry = this.d.queue.enqueue(
          { uid: owner.uid, name: owner.name },
          { ...req, dryRun: undefined },
          plan.gpuRequest,
          plan.limitsFull.priority,
          plan.limitsFull,
        );
        return {
          status: 'queued',
          plan: this.publicPlan(plan),
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
      await this.startRow(row, actor);
    } catch (err) {
      // A deploy that cannot start leaves nothing behind: no container, no GPU.
      await this.removeNow(row, actor, `deploy failed to start: ${(err as Error).message}`).catch((e) =>
        this.d.log.error('cleanup: cannot remove a container that failed to start', { id, err: String(e) }),
      );
      throw err;
    }
    this.audit(actor, row, 'container.deployed', `deployed ${plan.image}`, {
      slots: plan.gpuRequest ? this.d.leases.slotsOf(id).map((s) => s.uuid) : [],
    });
    return { status: 'running', plan: this.publicPlan(plan), container: this.summary(id), queue: null };
  }

  /** The GPU queue calls this when a queued deploy's turn comes (wired in main.ts). */
  async serveQueued(entry: QueuedDeploy): Promise<{ containerId: string | null }> {
    const acct = await this.d.accounts.byUid(entry.owner.uid);
    if (!acct)
      throw new Ds01Error('NOT_FOUND', `queued owner uid ${entry.owner.uid} has no account any more`);
    const parsed = deployRequestSchema.parse(entry.request);
    const r = await this.deployFor(acct, { ...parsed, queue: false }, { uid: null, name: 'ds01d' }, false);
    return { containerId: r.container?.id ?? null };
  }

  async retire(
    caller: Caller,
    ref: string,
    opts: { force?: boolean; dryRun?: boolean },
  ): Promise<RetireResult> {
    const row = this.d.queries.resolve(caller, ref);
    const slots = this.d.leases.slotsOf(row.id).map((s) => ({ uuid: s.uuid, profile: s.profile }));
    const acct = row.owner_uid === caller.uid ? caller : await this.d.accounts.byUid(row.owner_uid);
    const result: RetireResult = {
      id: row.id,
      name: row.project,
      dryRun: Boolean(opts.dryRun),
      wasRunning: isRunningLike(row.state),
      freedSlots: slots,
      workspace: workspacePath(acct?.home ?? '~', row.project),
    };
    if (opts.dryRun) return result;
    const actor = { uid: caller.uid, name: caller.name };
    this.busy.add(row.id);
    try {
      if (result.wasRunning) await this.stopRow(row, actor, { force: opts.force }, 'retiring', true);
      await this.removeNow(row, actor, 'retired');
    } finally {
      this.busy.delete(row.id);
    }
    this.audit(
      actor,
      row,
      'container.retired',
      `retired; ${slots.length} GPU slot(s) freed, workspace kept`,
      {
        slots: slots.map((s) => s.uuid),
        workspace: result.workspace,
      },
    );
    return result;
  }

  // ——— logs / stats ———

  /** Ownership and Docker are checked before this resolves; the iterable then streams. */
  async logs(
    caller: Caller,
    ref: string,
    opts: { tail?: number; follow?: boolean },
    signal: AbortSignal,
  ): Promise<AsyncIterable<LogChunk>> {
    const row = this.d.queries.resolve(caller, ref);
    const c = this.d.ops.docker.getContainer(row.id);
    const common = { stdout: true, stderr: true, ...(opts.tail !== undefined ? { tail: opts.tail } : {}) };
    let source: AsyncIterable<Buffer>;
    try {
      if (opts.follow) {
        const stream = (await c.logs({ ...common, follow: true })) as NodeJS.ReadableStream & {
          destroy(): void;
        };
        signal.addEventListener('abort', () => stream.destroy(), { once: true });
        source = stream as AsyncIterable<Buffer>;
      } else {
        const buf = (await c.logs({ ...common, follow: false })) as unknown as Buffer;
        source = (async function* () {
          yield buf;
        })();
      }
    } catch (err) {
      throw dockerError('cannot read the logs', err);
    }
    return (async function* () {
      try {
        yield* demux(source);
      } catch (err) {
        if (!signal.aborted) throw err;
      }
    })();
  }

  async stats(caller: Caller, ref: string): Promise<ContainerStats> {
    const row = this.d.queries.resolve(caller, ref);
    try {
      const sample = (await this.d.ops.docker
        .getContainer(row.id)
        .stats({ stream: false })) as DockerStatsSample;
      return this.statsOf(row, sample);
    } catch (err) {
      throw dockerError('cannot read the stats', err);
    }
  }

  async watchStats(caller: Caller, ref: string, signal: AbortSignal): Promise<AsyncIterable<ContainerStats>> {
    const row = this.d.queries.resolve(caller, ref);
    let stream: NodeJS.ReadableStream & { destroy(): void };
    try {
      stream = (await this.d.ops.docker.getContainer(row.id).stats({ stream: true })) as typeof stream;
    } catch (err) {
      throw dockerError('cannot read the stats', err);
    }
    signal.addEventListener('abort', () => stream.destroy(), { once: true });
    return this.statsStream(row, stream, signal);
  }

  private async *statsStream(
    row: ContainerRow,
    stream: NodeJS.ReadableStream,
    signal: AbortSignal,
  ): AsyncGenerator<ContainerStats> {
    let buf = '';
    try {
      for await (const chunk of stream) {
        buf += (chunk as Buffer).toString('utf8');
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) yield this.statsOf(this.d.store.containers.get(row.id) ?? row, JSON.parse(line));
          nl = buf.indexOf('\n');
        }
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  }

  private statsOf(row: ContainerRow, sample: DockerStatsSample): ContainerStats {
    const inv = this.d.inventory();
    const gpus = this.d.leases.slotsOf(row.id).map((s) => {
      const slot = inv?.slots.find((x) => x.uuid === s.uuid);
      const gpu = inv?.gpus.find((g) => g.uuid === s.parent_uuid);
      const whole = s.kind === 'full';
      return {
        uuid: s.uuid,
        profile: s.profile,
        utilizationPct: whole ? (gpu?.utilizationPct ?? null) : null,
        memoryUsedMiB: whole ? (gpu?.memoryUsedMiB ?? null) : null,
        memoryTotalMiB: slot?.memoryMiB ?? s.memory_mib,
      };
    });
    return {
      id: row.id,
      name: row.project,
      state: row.state as ContainerStats['state'],
      at: new Date(this.d.clock.now()).toISOString(),
      ...computeStats(sample),
      gpus,
    };
  }

  // ——— shell ———

  /** Create a Docker exec as the container's user; the caller wires its stream to the client. */
  async openShell(
    caller: Caller,
    ref: string,
    opts: ShellOptions,
  ): Promise<{ row: ContainerRow; session: ShellSession }> {
    const row = this.d.queries.resolve(caller, ref);
    const c = this.d.ops.docker.getContainer(row.id);
    const info = await c.inspect().catch((err) => {
      throw new Ds01Error(
        'NOT_FOUND',
        `container ${row.project} is not in Docker any more (${(err as Error).message})`,
      );
    });
    if (!info.State.Running) {
      throw new Ds01Error(
        'CONFLICT',
        `${row.project} is not running`,
        `start it first: \`container-start ${row.project}\``,
      );
    }
    // Always the owner's uid, whatever the container was created with (adopted ones may say root).
    const cfgUser = /^(\d+):(\d+)$/.exec(info.Config.User ?? '');
    const user = cfgUser && Number(cfgUser[1]) === row.owner_uid ? info.Config.User : String(row.owner_uid);
    const term = opts.term && /^[A-Za-z0-9._+-]{1,64}$/.test(opts.term) ? opts.term : 'xterm';
    const exec = await c.exec({
      Cmd: opts.cmd?.length ? opts.cmd : LOGIN_SHELL,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: opts.tty,
      User: user,
      Privileged: false,
      WorkingDir: '/workspace',
      Env: [
        `TERM=${term}`,
        `HOME=${homeOf(row.owner_name)}`,
        `USER=${row.owner_name}`,
        `LOGNAME=${row.owner_name}`,
      ],
    });
    const stream = (await exec.start({ hijack: true, stdin: true, Tty: opts.tty })) as unknown as Duplex;
    if (opts.tty && opts.cols && opts.rows)
      await exec.resize({ w: opts.cols, h: opts.rows }).catch(() => undefined);
    this.sessions.set(row.id, this.sessionsOf(row.id) + 1);
    const actor = { uid: caller.uid, name: caller.name };
    this.audit(
      actor,
      row,
      'container.shell_opened',
      opts.cmd?.length ? `ran ${opts.cmd[0]}` : 'opened a shell',
      {
        tty: opts.tty,
      },
    );
    let closed = false;
    const session: ShellSession = {
      stream,
      tty: opts.tty,
      resize: async (cols, rows) => {
        await exec.resize({ w: cols, h: rows }).catch(() => undefined);
      },
      exitCode: async () => {
        for (let i = 0; i < 50; i++) {
          const s = await exec.inspect().catch(() => null);
          if (!s) return null;
          if (!s.Running) return s.ExitCode ?? null;
          await new Promise((r) => setTimeout(r, 20));
        }
        return null;
      },
      close: () => {
        if (closed) return;
        closed = true;
        const n = this.sessionsOf(row.id) - 1;
        if (n > 0) this.sessions.set(row.id, n);
        else this.sessions.delete(row.id);
        stream.destroy();
      },
    };
    return { row, session };
  }

  recordShellClosed(caller: Caller, row: ContainerRow, exitCode: number | null, ms: number): void {
    this.audit(
      { uid: caller.uid, name: caller.name },
      row,
      'container.shell_closed',
      `shell ended (exit ${exitCode ?? '?'})`,
      {
        exitCode,
        seconds: Math.round(ms / 1000),
      },
    );
  }
}

/** Docker's multiplexed log stream → text chunks. */
export async function* demux(source: AsyncIterable<Buffer>): AsyncGenerator<LogChunk> {
  const d = new StreamDemuxer();
  for await (const chunk of source) {
    for (const c of d.push(chunk)) yield { stream: c.stream, text: c.data.toString('utf8') };
  }
}

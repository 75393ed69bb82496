// The container service: one facade over its parts, so routes, the queue and the lifecycle keep one
// object to call.
//   plan.ts     what a create would make, checked (pure)      create.ts  the create saga
//   deploy.ts   create / deploy / queued deploys               state.ts   start, stop, remove, retire
//   streams.ts  logs and stats                                 shell.ts   the exec behind `container-open`
//   pause.ts    pause / unpause (GPU kept; max_pause)
//   context.ts  the shared ports, busy set and audit helper
// Every Docker call is idempotent; every action is an audit event; ownership is ContainerQueries.resolve
// (FORBIDDEN for another user's container).

import type {
  ContainerCreateRequest,
  ContainerDeployRequest,
  ContainerStats,
  ContainerSummary,
  DeployResult,
  LogChunk,
  PauseResult,
  RetireResult,
} from '../../api/types/containers.js';
import { Ds01Error } from '../../errors.js';
import type { Caller } from '../../identity/caller.js';
import type { ContainerRow } from '../../store/containers.js';
import type { QueuedDeploy } from '../gpu-queue.js';
import { type Actor, ContainerContext, type ContainersDeps, type Owner } from './context.js';
import { CreateSaga, type JobContainer } from './create.js';
import { ContainerDeploys } from './deploy.js';
import { ContainerPauses } from './pause.js';
import type { Plan } from './plan.js';
import { ContainerShells, type ShellOptions, type ShellSession } from './shell.js';
import { ContainerStates } from './state.js';
import { ContainerStreams } from './streams.js';

export type { Actor, ContainersDeps, Owner } from './context.js';
export { actorOf, DAEMON } from './context.js';
export type { JobContainer } from './create.js';
export { ownImageRef } from './plan.js';
export type { ShellOptions, ShellSession } from './shell.js';
export { demux } from './streams.js';

export class ContainerService {
  private readonly c: ContainerContext;
  private readonly states: ContainerStates;
  private readonly deploys: ContainerDeploys;
  private readonly streams: ContainerStreams;
  private readonly shells: ContainerShells;
  private readonly saga: CreateSaga;
  private readonly pauses: ContainerPauses;

  constructor(deps: ContainersDeps) {
    this.c = new ContainerContext(deps);
    this.states = new ContainerStates(this.c);
    this.saga = new CreateSaga(this.c);
    this.deploys = new ContainerDeploys(this.c, this.saga, this.states);
    this.streams = new ContainerStreams(this.c);
    this.shells = new ContainerShells(this.c);
    this.pauses = new ContainerPauses(this.c);
  }

  /** A ds01 operation on this Docker name or id is in flight (DockerSync and the lifecycle wait). */
  inFlight(nameOrId: string): boolean {
    return this.c.busy.has(nameOrId);
  }

  sessionsOf(containerId: string): number {
    return this.shells.sessionsOf(containerId);
  }

  plan(owner: Parameters<ContainerDeploys['plan']>[0], req: ContainerCreateRequest): Plan {
    return this.deploys.plan(owner, req);
  }

  /** A batch job's container, created (not started) through the same plan, quotas and saga as a create. */
  createForJob(owner: Owner, req: ContainerCreateRequest, actor: Actor, job: JobContainer): Promise<string> {
    return this.saga.run(owner, req, this.deploys.plan(owner, req), actor, { job });
  }

  /** Start a job's container with its workspace bound from the directory checked now (workspace-binder.ts). */
  async startJobContainer(id: string, owner: Owner, project: string): Promise<void> {
    const row = this.c.d.store.containers.get(id);
    if (!row) throw new Ds01Error('NOT_FOUND', `container ${id} is not ds01's`);
    await this.c.d.workspaces.withWorkspace(owner, project, row.name, () => this.c.d.ops.start(id));
  }

  create(caller: Caller, req: ContainerCreateRequest): Promise<DeployResult> {
    return this.deploys.create(caller, req);
  }

  deploy(caller: Caller, req: ContainerDeployRequest): Promise<DeployResult> {
    return this.deploys.deploy(caller, req);
  }

  serveQueued(entry: QueuedDeploy): Promise<{ containerId: string | null }> {
    return this.deploys.serveQueued(entry);
  }

  start(caller: Caller, ref: string): Promise<ContainerSummary> {
    return this.states.start(caller, ref);
  }

  /** `adminReason`: an admin stopping someone's container; the one `container.stopped` event carries it. */
  stop(
    caller: Caller,
    ref: string,
    opts: { timeout?: number; force?: boolean; adminReason?: string },
  ): Promise<ContainerSummary> {
    return this.states.stop(caller, ref, opts);
  }

  /** Freeze it (GPU kept); the lifecycle stops it after max_pause. Owner only. */
  pause(caller: Caller, ref: string): Promise<PauseResult> {
    return this.pauses.pause(caller, ref);
  }

  unpause(caller: Caller, ref: string): Promise<PauseResult> {
    return this.pauses.unpause(caller, ref);
  }

  remove(caller: Caller, ref: string, opts: { force?: boolean } = {}): Promise<{ id: string; name: string }> {
    return this.states.remove(caller, ref, opts);
  }

  /** `adminReason`: as for stop; the one `container.retired` event carries it. */
  retire(
    caller: Caller,
    ref: string,
    opts: { force?: boolean; dryRun?: boolean; adminReason?: string },
  ): Promise<RetireResult> {
    return this.states.retire(caller, ref, opts);
  }

  stopAsDaemon(id: string, reason: string, timeoutSec: number, told?: string): Promise<void> {
    return this.states.stopAsDaemon(id, reason, timeoutSec, told);
  }

  removeAsDaemon(id: string, reason: string): Promise<void> {
    return this.states.removeAsDaemon(id, reason);
  }

  /** A deploy the previous ds01d died in the middle of (never started): its container goes, its GPU too. */
  abandonInterruptedDeploy(id: string): void {
    this.states
      .removeAsDaemon(id, 'its deploy was cut short by a ds01d restart before it started; deploy it again')
      .catch((err) => this.c.d.log.error('cannot remove an interrupted deploy', { id, err: String(err) }));
  }

  logs(
    caller: Caller,
    ref: string,
    opts: { tail?: number; follow?: boolean },
    signal: AbortSignal,
  ): Promise<AsyncIterable<LogChunk>> {
    return this.streams.logs(caller, ref, opts, signal);
  }

  stats(caller: Caller, ref: string): Promise<ContainerStats> {
    return this.streams.stats(caller, ref);
  }

  watchStats(caller: Caller, ref: string, signal: AbortSignal): Promise<AsyncIterable<ContainerStats>> {
    return this.streams.watchStats(caller, ref, signal);
  }

  openShell(
    caller: Caller,
    ref: string,
    opts: ShellOptions,
  ): Promise<{ row: ContainerRow; session: ShellSession }> {
    return this.shells.open(caller, ref, opts);
  }

  recordShellClosed(caller: Caller, row: ContainerRow, exitCode: number | null, ms: number): void {
    this.shells.recordClosed(caller, row, exitCode, ms);
  }
}

// What every part of the container service shares: its ports, the busy set, and the audit and summary
// helpers. One instance per daemon, made by the ContainerService facade.
import type { ContainerSummary } from '../../api/types/containers.js';
import type { EventKind } from '../../api/types/events.js';
import type { Clock } from '../../clock.js';
import type { DockerOps } from '../../docker/ops.js';
import { Ds01Error } from '../../errors.js';
import type { Inventory } from '../../gpu/types.js';
import type { Caller } from '../../identity/caller.js';
import type { AccountLookup } from '../../identity/nss.js';
import type { ImageResolver } from '../../images/resolver.js';
import type { Logger } from '../../log.js';
import { type Actor, type Audit, auditLog } from '../../store/audit.js';
import type { ContainerRow } from '../../store/containers.js';
import type { Store } from '../../store/index.js';
import type { ContainerQueries } from '../containers-read.js';
import type { GpuLeases } from '../gpu-leases.js';
import type { GpuQueue } from '../gpu-queue.js';
import type { PolicyService } from '../policy.js';
import type { WorkspaceBinder } from '../workspace-binder.js';
import { EndNotices } from './end-notices.js';

/** Whose container it is: an account from NSS (the caller, or a queued request's owner). */
export interface Owner {
  uid: number;
  gid: number;
  name: string;
  home: string;
  groups: string[];
}

export { type Actor, DAEMON } from '../../store/audit.js';

export const actorOf = (caller: Caller): Actor => ({ uid: caller.uid, name: caller.name });

export interface ContainersDeps {
  store: Store;
  ops: DockerOps;
  /** Every image reference becomes an authorized full id here; Docker never sees the user's string. */
  images: Pick<ImageResolver, 'resolve' | 'local'>;
  queries: ContainerQueries;
  policy: PolicyService;
  leases: Pick<
    GpuLeases,
    | 'reserve'
    | 'reservePinned'
    | 'attach'
    | 'cancel'
    | 'slotsOf'
    | 'prepareStart'
    | 'containerStarted'
    | 'containerStopped'
    | 'releaseForContainer'
  >;
  queue: Pick<GpuQueue, 'enqueue' | 'waitingFor'> | null;
  accounts: AccountLookup;
  inventory: () => Inventory | null;
  clock: Clock;
  log: Logger;
  createdBy: string;
  /** Bind sources the user cannot swap: every create and start goes through it (issue 13 hole 5). */
  workspaces: Pick<WorkspaceBinder, 'target' | 'check' | 'withWorkspace' | 'forget' | 'writeUserFiles'>;
  /** The user_files setting: `archive` never writes into a container's layer (user-files.ts). */
  userFiles?: 'layer' | 'archive';
}

/**
 * Containers (by id or Docker name) with a ds01 operation in flight: the event stream leaves their state to
 * the operation, and the lifecycle does not act on them. Counted, so nested operations (retire = stop +
 * remove) keep the mark until the outermost ends.
 */
export class BusySet {
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

export class ContainerContext {
  /** Docker names and ids being created, started, stopped or removed right now (DockerSync leaves them alone). */
  readonly busy = new BusySet();
  /** The last line attached shells print when a container is stopped or retired with a reason. */
  readonly endings: EndNotices;

  readonly log: Audit;

  constructor(readonly d: ContainersDeps) {
    this.endings = new EndNotices(() => d.clock.now());
    this.log = auditLog(d.store.events, () => d.clock.now());
  }

  /** An event about one container, for its owner. */
  audit(
    actor: Actor,
    row: Pick<ContainerRow, 'id' | 'name' | 'owner_uid'>,
    kind: EventKind,
    reason: string,
    data?: Record<string, unknown>,
  ): void {
    this.log.by(
      actor,
      kind,
      { subjectUid: row.owner_uid, containerId: row.id, containerName: row.name },
      reason,
      data,
    );
  }

  summary(id: string): ContainerSummary {
    const row = this.d.store.containers.get(id);
    if (!row) throw new Ds01Error('INTERNAL', `container ${id} vanished from the store`);
    return this.d.queries.summary(row);
  }

  /** The caller's account from NSS: its primary gid and home, not whatever gid the client process had. */
  async ownerOf(caller: Caller): Promise<Owner> {
    const acct = await this.d.accounts.byUid(caller.uid);
    if (!acct) throw new Ds01Error('UNAUTHENTICATED', `uid ${caller.uid} has no account on this host`);
    return acct;
  }
}

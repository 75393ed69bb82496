// Keeps the store in step with Docker: a full reconcile at start and after every reconnect, and
// Docker's event stream in between. Everything it changes is written to the audit log.
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { type Audit, auditLog } from '../store/audit.js';
import type { Store } from '../store/index.js';
import type { DockerClient, DockerContainer } from './client.js';
import type { LabelSigner } from './label-signature.js';
import { LABELS } from './labels.js';
import {
  interruptedDeploys,
  isRunningLike,
  planReconcile,
  type ReconcileAction,
  runChange,
  stoppedInDocker,
} from './reconcile.js';

export interface SyncHooks {
  /** A container stopped (exited/dead): GPU holds start here. Runs inside the store transaction. */
  containerStopped?(id: string, at: number): void;
  containerStarted?(id: string, at: number): void;
  /**
   * The container service is creating or removing this container (by Docker name or id) right now and
   * records it itself: do not adopt it as made behind ds01's back, nor report it vanished.
   */
  inFlight?(nameOrId: string): boolean;
  /** After any change that may free GPU capacity (outside the transaction). */
  capacityMayHaveFreed?(): void;
  /**
   * Release the GPUs of a container that is gone: the one release path (GpuLeases.releaseForContainer),
   * also used by the container service. Runs inside the store transaction.
   */
  releaseGpus(containerId: string, why: string): void;
  /** Every container event Docker sends about a ds01 container, busy or not (batch jobs' exit watch). */
  containerEvent?(id: string, action: string): void;
  /** After each full reconcile (start-up, Docker reconnect): records that depend on Docker are checked. */
  reconciled?(): void;
  /** A deploy the previous process died in the middle of (reconcile.ts interruptedDeploys): remove it. */
  deployInterrupted?(containerId: string): void;
  /** Docker still has a container the store recorded as removed: remove it from Docker (no store change). */
  removeLeftover?(containerId: string): void;
}

export class DockerSync {
  private stopped = false;
  private stream: NodeJS.ReadableStream | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly untrustedSeen = new Set<string>();
  /** Containers recorded before this process started may be deploys it died in the middle of. */
  private readonly startedAt: number;
  connected = false;
  lastError: string | null = null;

  constructor(
    private readonly docker: DockerClient,
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly signer: LabelSigner,
    private readonly hooks: SyncHooks,
  ) {
    this.audit = auditLog(store.events, () => clock.now());
    this.startedAt = clock.now();
  }

  private readonly audit: Audit;

  /** Only a container ds01 signed is adopted; others with ds01 labels are logged once and left alone. */
  private readonly trusted = (d: DockerContainer): boolean => {
    if (this.signer.verify(d.labels, d.name)) return true;
    if (!this.untrustedSeen.has(d.id)) {
      this.untrustedSeen.add(d.id);
      if (this.untrustedSeen.size > 10_000) this.untrustedSeen.clear();
      this.log.warn('ignoring a container with ds01 labels that ds01 did not sign', {
        id: d.id,
        name: d.name,
        ownerLabel: d.labels[LABELS.ownerUid],
      });
    }
    return false;
  };

  /** Full pass: every ds01 container Docker has against every live row. */
  async reconcileAll(reason = 'reconcile'): Promise<ReconcileAction[]> {
    const docker = await this.docker.listManaged();
    // listContainers has no start/finish times; inspect the few we must adopt or move.
    const { plan: actions, cut } = this.store.tx(() => {
      const plan = planReconcile(this.store.containers.live(), docker, {
        trusted: this.trusted,
        removed: this.removed,
      });
      for (const a of plan) this.apply(a, reason);
      this.releaseOrphanAllocations(reason);
      const now = this.clock.now();
      for (const row of stoppedInDocker(this.store.containers.live(), docker))
        if (!this.hooks.inFlight?.(row.id)) this.hooks.containerStopped?.(row.id, now);
      const cut = interruptedDeploys(this.store.containers.live(), docker, this.startedAt).filter(
        (row) => !this.hooks.inFlight?.(row.id),
      );
      // Held at once: they will never run, whether or not Docker removes them now (it may be restarting).
      for (const row of cut) this.hooks.containerStopped?.(row.id, now);
      return { plan, cut };
    });
    for (const row of cut) this.hooks.deployInterrupted?.(row.id);
    if (actions.length) this.hooks.capacityMayHaveFreed?.();
    return actions;
  }

  /** One container, after a Docker event about it. */
  async reconcileOne(id: string, reason: string): Promise<void> {
    const d = await this.docker.inspect(id);
    const changed = this.store.tx(() => {
      const plan = planReconcile(this.store.containers.live(), d ? [d] : [], {
        trusted: this.trusted,
        removed: this.removed,
        scope: new Set([id]),
      });
      for (const a of plan) this.apply(a, reason);
      return plan.length > 0;
    });
    if (changed) this.hooks.capacityMayHaveFreed?.();
  }

  private readonly removed = (id: string): boolean => {
    const row = this.store.containers.get(id);
    return row !== undefined && row.removed_at !== null;
  };

  /** One action; a failure is logged and the rest of the pass goes on (one bad row must not stall all). */
  private apply(a: ReconcileAction, reason: string) {
    try {
      this.applyOne(a, reason);
    } catch (err) {
      this.log.error('reconcile action failed', { kind: a.kind, err: String(err) });
    }
  }

  private applyOne(a: ReconcileAction, reason: string) {
    const now = this.clock.now();
    switch (a.kind) {
      case 'leftover': {
        if (!this.hooks.inFlight?.(a.id)) this.hooks.removeLeftover?.(a.id);
        break;
      }
      case 'adopt': {
        const c = a.container;
        if (this.hooks.inFlight?.(c.name)) break;
        const state = c.state;
        this.store.containers.insert({
          id: c.id,
          name: c.name,
          project: a.owner.project,
          owner_uid: a.owner.uid,
          owner_name: a.owner.name,
          image: c.image,
          state,
          created_at: c.createdAt,
          started_at: isRunningLike(state) ? (c.startedAt ?? now) : null,
          origin: 'adopted',
        });
        this.audit.byDaemon(
          'container.adopted',
          { subjectUid: a.owner.uid, containerId: c.id, containerName: c.name },
          `found in Docker but not in ds01's records (${reason}); now tracked`,
          { state, image: c.image },
          now,
        );
        this.adoptAllocations(c.id, a.owner.uid, a.owner.slots, c.name, now);
        break;
      }
      case 'vanished': {
        if (this.hooks.inFlight?.(a.id)) break;
        this.store.containers.markRemoved(a.id, now);
        this.audit.byDaemon(
          'container.vanished',
          { subjectUid: a.ownerUid, containerId: a.id, containerName: a.name },
          `removed outside ds01 (${reason})`,
          null,
          now,
        );
        this.hooks.releaseGpus(a.id, 'container removed outside ds01');
        break;
      }
      case 'state': {
        // A ds01 operation on it records the state itself (with the user as actor).
        if (this.hooks.inFlight?.(a.id)) break;
        const row = this.store.containers.markState(a.id, a.to, now);
        if (!row) break;
        const change = runChange(a.from, a.to);
        const started = change === 'started';
        const stopped = change === 'stopped';
        if (started || stopped) {
          this.audit.byDaemon(
            started ? 'container.started' : 'container.stopped',
            { subjectUid: row.owner_uid, containerId: a.id, containerName: row.name },
            `Docker reports ${a.to} (${reason})`,
            { from: a.from, to: a.to },
            now,
          );
          if (started) this.hooks.containerStarted?.(a.id, now);
          if (stopped) this.hooks.containerStopped?.(a.id, now);
        }
        break;
      }
    }
  }

  /** A container adopted with slot labels gets those slots if they exist and are free. */
  private adoptAllocations(id: string, uid: number, slots: string[], name: string, now: number) {
    for (const uuid of slots) {
      const slot = this.store.slots.get(uuid);
      const taken = this.store.allocations.live().some((a) => a.slot_uuid === uuid);
      if (!slot || slot.state === 'missing' || taken) {
        this.audit.byDaemon(
          'allocation.conflict',
          { subjectUid: uid, containerId: id, containerName: name },
          !slot || slot.state === 'missing'
            ? `slot ${uuid} is not on this server`
            : `slot ${uuid} is already allocated`,
          null,
          now,
        );
        continue;
      }
      this.store.allocations.insert({ slot_uuid: uuid, container_id: id, owner_uid: uid, allocated_at: now });
      this.audit.byDaemon(
        'allocation.adopted',
        { subjectUid: uid, containerId: id, containerName: name },
        `slot ${uuid} recorded from the container's labels`,
        { slot: uuid },
        now,
      );
    }
  }

  /** Allocations pointing at a container that is no longer live. */
  private releaseOrphanAllocations(reason: string) {
    const gone = new Set<string>();
    for (const a of this.store.allocations.live()) {
      if (!a.container_id) continue;
      const c = this.store.containers.get(a.container_id);
      if (!c || c.removed_at !== null) gone.add(a.container_id);
    }
    for (const id of gone) this.hooks.releaseGpus(id, `container no longer exists (${reason})`);
  }

  /** Follow Docker's events; reconnect with backoff and a full reconcile after each reconnect. */
  start(): void {
    this.stopped = false;
    void this.connect(0);
  }

  private async connect(attempt: number): Promise<void> {
    if (this.stopped) return;
    try {
      const stream = await this.docker.containerEvents();
      this.stream = stream;
      this.connected = true;
      this.lastError = null;
      if (attempt > 0) this.log.info('docker event stream reconnected');
      // Anything that happened while we were not listening.
      await this.reconcileAll(attempt > 0 ? 'after Docker reconnect' : 'at start-up').catch((err) =>
        this.log.error('reconcile failed', { err }),
      );
      this.hooks.reconciled?.();
      let buf = '';
      stream.on('data', (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) this.onEvent(line);
          nl = buf.indexOf('\n');
        }
      });
      const lost = () => {
        if (this.stream !== stream) return;
        this.stream = null;
        this.connected = false;
        if (!this.stopped) {
          this.log.warn('docker event stream ended; reconnecting');
          this.scheduleReconnect(1);
        }
      };
      stream.on('end', lost);
      stream.on('error', lost);
      stream.on('close', lost);
    } catch (err) {
      this.connected = false;
      this.lastError = (err as Error).message;
      if (attempt === 0 || attempt % 10 === 0)
        this.log.warn('docker unreachable; retrying', { err: this.lastError });
      this.scheduleReconnect(attempt + 1);
    }
  }

  private scheduleReconnect(attempt: number) {
    if (this.stopped) return;
    const delay = Math.min(500 * 2 ** Math.min(attempt, 5), 10_000);
    this.retryTimer = setTimeout(() => void this.connect(attempt), delay);
  }

  private onEvent(line: string) {
    let e: { Action?: string; Actor?: { ID?: string }; id?: string };
    try {
      e = JSON.parse(line);
    } catch {
      return;
    }
    const id = e.Actor?.ID ?? e.id;
    const action = e.Action ?? '';
    if (!id) return;
    if (!/^(create|start|die|stop|kill|destroy|pause|unpause|restart|oom)/.test(action)) return;
    this.hooks.containerEvent?.(id, action);
    this.reconcileOne(id, `docker ${action}`).catch((err) =>
      this.log.error('event reconcile failed', { id, err }),
    );
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const s = this.stream as (NodeJS.ReadableStream & { destroy?: () => void }) | null;
    this.stream = null;
    s?.destroy?.();
  }
}

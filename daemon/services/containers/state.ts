// State changes of an existing container: start, stop, remove, retire (stop + remove + release at once,
// workspace kept), as a user or as ds01d (the lifecycle). Each marks the container busy while Docker
// works, so the event stream leaves it to us, then records the new state and an audit event in one
// transaction.
import type { ContainerSummary, RetireResult } from '../../api/types/containers.js';
import { isRunningLike } from '../../docker/reconcile.js';
import { Ds01Error } from '../../errors.js';
import type { Caller } from '../../identity/caller.js';
import type { ContainerRow } from '../../store/containers.js';
import { workspacePath } from '../workspace.js';
import { type Actor, actorOf, type ContainerContext, DAEMON } from './context.js';

const DEFAULT_STOP_TIMEOUT_SEC = 10;

/** An admin acting on someone's container says why; the owner reads it in the one event it makes. */
function byAdmin(caller: Caller, why: string | undefined): string | null {
  if (why === undefined) return null;
  if (!caller.admin) throw new Ds01Error('FORBIDDEN', 'only an admin acts on a container with a reason');
  return `by admin ${caller.name}: ${why}`;
}

export class ContainerStates {
  constructor(private readonly c: ContainerContext) {}

  private get d() {
    return this.c.d;
  }

  async start(caller: Caller, ref: string): Promise<ContainerSummary> {
    const row = this.d.queries.resolve(caller, ref);
    await this.startRow(row, actorOf(caller));
    return this.c.summary(row.id);
  }

  async startRow(row: ContainerRow, actor: Actor): Promise<void> {
    if (row.state === 'running') return;
    if (row.state === 'paused')
      throw new Ds01Error(
        'CONFLICT',
        `${row.project} is paused`,
        `resume it with \`container-unpause ${row.project}\``,
      );
    // In flight: Docker's start event must not record a second container.started (as ds01d) meanwhile.
    this.c.busy.add(row.id);
    try {
      await this.startAndRecord(row, actor);
    } finally {
      this.c.busy.delete(row.id);
    }
  }

  private async startAndRecord(row: ContainerRow, actor: Actor): Promise<void> {
    const owner = await this.d.accounts.byUid(row.owner_uid);
    if (!owner)
      throw new Ds01Error(
        'NOT_FOUND',
        `the owner of ${row.project} (uid ${row.owner_uid}) has no account any more`,
      );
    this.d.leases.prepareStart(row.id);
    try {
      // The workspace is checked again and bound from the checked directory for this start only.
      // A job's container binds the job's project, not its own name.
      const project = this.d.store.jobs.byContainer(row.id)?.project ?? row.project;
      await this.d.workspaces.withWorkspace(owner, project, row.name, () => this.d.ops.start(row.id));
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
      this.c.audit(actor, cur, 'container.started', 'started');
    });
    if (st && !isRunningLike(st.status)) {
      throw new Ds01Error(
        'CONFLICT',
        `the container exited at once (exit code ${st.exitCode ?? '?'})`,
        `see why with \`container-logs ${row.project}\``,
      );
    }
  }

  async stop(
    caller: Caller,
    ref: string,
    opts: { timeout?: number; force?: boolean; adminReason?: string },
  ): Promise<ContainerSummary> {
    const admin = byAdmin(caller, opts.adminReason);
    const row = this.d.queries.resolve(caller, ref);
    const told =
      admin && opts.adminReason !== undefined
        ? `ds01: ${row.project} was stopped by admin ${caller.name}: ${opts.adminReason}. Your workspace is kept; start it again with container-start ${row.project}.`
        : null;
    if (told && isRunningLike(row.state)) this.c.endings.set(row.id, told);
    const stopped = await this.stopRow(row, actorOf(caller), opts, admin ?? 'stopped by request');
    if (told && stopped) this.tellOwner(row, told);
    return this.c.summary(row.id);
  }

  /**
   * ds01d's own stop (lifecycle): audited as the daemon with its reason, not as a user. `told` is the line
   * the owner reads (the lifecycle records it as a notice); attached shells print it as their last line.
   */
  async stopAsDaemon(id: string, reason: string, timeoutSec: number, told?: string): Promise<void> {
    const row = this.d.store.containers.get(id);
    if (!row || row.removed_at !== null) return;
    if (isRunningLike(row.state))
      this.c.endings.set(row.id, told ?? `ds01: ${row.project} was stopped by ds01d: ${reason}.`);
    await this.stopRow(row, DAEMON, { timeout: timeoutSec }, reason);
  }

  /** A notice for the owner (shown at their next ds01 command or login, and by `notices`). */
  private tellOwner(row: ContainerRow, message: string): void {
    this.d.store.tx(() =>
      this.d.store.notices.add({
        uid: row.owner_uid,
        container_id: row.id,
        container_name: row.name,
        kind: 'action',
        deadline_key: null,
        point_ms: null,
        deadline_at: null,
        message,
        created_at: this.d.clock.now(),
      }),
    );
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
    this.c.busy.add(row.id);
    try {
      return await this.stopAndRecord(row, actor, opts, reason, retiring);
    } catch (err) {
      this.c.endings.clear(row.id); // not stopped: no shell should say it was
      throw err;
    } finally {
      this.c.busy.delete(row.id);
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
        this.c.audit(actor, cur, 'container.stopped', `${reason}${opts.force ? ' (killed)' : ''}`, {
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
    await this.removeNow(row, actorOf(caller), 'removed by request');
    return { id: row.id, name: row.project };
  }

  /** Remove in Docker, then record it (the event stream leaves it alone meanwhile); GPUs released at once. */
  async removeNow(row: ContainerRow, actor: Actor, reason: string, alsoRecord?: () => void): Promise<void> {
    this.c.busy.add(row.id);
    try {
      await this.d.ops.remove(row.id);
      this.d.workspaces.forget(row.name);
      this.removeRecorded(row, actor, reason, alsoRecord);
    } finally {
      this.c.busy.delete(row.id);
    }
  }

  private removeRecorded(row: ContainerRow, actor: Actor, reason: string, alsoRecord?: () => void): void {
    this.d.store.tx(() => {
      const cur = this.d.store.containers.get(row.id);
      if (cur && cur.removed_at === null) {
        this.d.store.containers.markRemoved(row.id, this.d.clock.now());
        this.c.audit(actor, row, 'container.removed', reason);
      }
      this.d.leases.releaseForContainer(row.id, `container removed (${reason})`, actor.name);
      alsoRecord?.();
    });
  }

  async retire(
    caller: Caller,
    ref: string,
    opts: { force?: boolean; dryRun?: boolean; adminReason?: string },
  ): Promise<RetireResult> {
    const admin = byAdmin(caller, opts.adminReason);
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
    const actor = actorOf(caller);
    const why = `${admin ? `retired ${admin}` : 'retired'}; ${slots.length} GPU slot(s) freed, workspace kept`;
    const told =
      admin && opts.adminReason !== undefined
        ? `ds01: ${row.project} was retired by admin ${caller.name}: ${opts.adminReason}. Your workspace ${result.workspace} is kept; container-deploy ${row.project} makes a new container.`
        : null;
    if (told && result.wasRunning) this.c.endings.set(row.id, told);
    this.c.busy.add(row.id);
    try {
      if (result.wasRunning) await this.stopRow(row, actor, { force: opts.force }, 'retiring', true);
      await this.removeNow(row, actor, 'retired', () =>
        this.c.audit(actor, row, 'container.retired', why, {
          slots: slots.map((s) => s.uuid),
          workspace: result.workspace,
        }),
      );
    } finally {
      this.c.busy.delete(row.id);
    }
    if (told) this.tellOwner(row, told);
    return result;
  }
}

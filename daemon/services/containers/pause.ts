// container-pause / container-unpause: Docker's pause (the cgroup freezer) for a short break. The
// container keeps its memory, its files and its GPU slots; while paused the lifecycle does not stop it
// for idleness but stops it once it has been paused for the policy's max_pause (lifecycle/decide.ts).
// Only the owner pauses: an admin who needs someone's GPU stops the container with a reason instead.
import type { PauseResult } from '../../api/types/containers.js';
import { Ds01Error } from '../../errors.js';
import type { Caller } from '../../identity/caller.js';
import { resolveLimits } from '../../policy/resolve.js';
import type { ContainerRow } from '../../store/containers.js';
import { actorOf, type ContainerContext } from './context.js';

export class ContainerPauses {
  constructor(private readonly c: ContainerContext) {}

  private get d() {
    return this.c.d;
  }

  private ownRow(caller: Caller, ref: string, verb: string): ContainerRow {
    const row = this.d.queries.resolve(caller, ref);
    if (row.owner_uid !== caller.uid)
      throw new Ds01Error(
        'FORBIDDEN',
        `only its owner can ${verb} ${row.name}`,
        'admins free a GPU with `ds01 admin stop NAME --reason …` (the owner is told why)',
      );
    return row;
  }

  private stopsAt(caller: Caller, row: ContainerRow): string | null {
    const cur = this.d.store.containers.get(row.id);
    if (cur?.state !== 'paused') return null;
    const max = resolveLimits(this.d.policy.current(), caller, new Date(this.d.clock.now())).lifecycle
      .maxPauseMs;
    return max === null ? null : new Date((cur.stopped_at ?? this.d.clock.now()) + max).toISOString();
  }

  async pause(caller: Caller, ref: string): Promise<PauseResult> {
    const row = this.ownRow(caller, ref, 'pause');
    if (row.state === 'paused')
      return { container: this.c.summary(row.id), unchanged: true, stopsAt: this.stopsAt(caller, row) };
    if (row.state !== 'running')
      throw new Ds01Error(
        'CONFLICT',
        `${row.project} is ${row.state}, not running: there is nothing to pause`,
        `start it with \`container-start ${row.project}\``,
      );
    await this.change(row, caller, 'paused');
    return { container: this.c.summary(row.id), unchanged: false, stopsAt: this.stopsAt(caller, row) };
  }

  async unpause(caller: Caller, ref: string): Promise<PauseResult> {
    const row = this.ownRow(caller, ref, 'unpause');
    if (row.state !== 'paused') {
      if (row.state === 'running')
        return { container: this.c.summary(row.id), unchanged: true, stopsAt: null };
      throw new Ds01Error(
        'CONFLICT',
        `${row.project} is ${row.state}, not paused`,
        `start it with \`container-start ${row.project}\``,
      );
    }
    await this.change(row, caller, 'running');
    return { container: this.c.summary(row.id), unchanged: false, stopsAt: null };
  }

  /** Docker first (the event stream leaves it to us meanwhile), then the new state and its event at once. */
  private async change(row: ContainerRow, caller: Caller, to: 'paused' | 'running'): Promise<void> {
    if (this.c.busy.has(row.id))
      throw new Ds01Error('CONFLICT', `${row.project} is being changed right now`, 'try again in a moment');
    this.c.busy.add(row.id);
    try {
      if (to === 'paused') await this.d.ops.pause(row.id);
      else await this.d.ops.unpause(row.id);
      const st = await this.d.ops.state(row.id);
      this.d.store.tx(() => {
        const cur = this.d.store.containers.get(row.id);
        if (!cur || cur.removed_at !== null) return;
        const now = this.d.clock.now();
        if (st && st.status !== cur.state) this.d.store.containers.markState(row.id, st.status, now);
        this.c.audit(
          actorOf(caller),
          cur,
          to === 'paused' ? 'container.paused' : 'container.unpaused',
          to === 'paused' ? 'paused by request (GPU kept)' : 'unpaused by request',
        );
      });
    } finally {
      this.c.busy.delete(row.id);
    }
  }
}

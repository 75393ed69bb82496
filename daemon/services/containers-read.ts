// Read side of containers: list and find, with the ownership rule. Writes live in the container
// lifecycle service.

import type { ContainerState, ContainerSummary } from '../api/types/containers.js';
import { localWhen } from '../common/when.js';
import { Ds01Error, notFound } from '../errors.js';
import type { Caller } from '../identity/caller.js';
import type { ContainerRow } from '../store/containers.js';
import type { Store } from '../store/index.js';
import { AnswerCache } from './answer-cache.js';
import { canSee, denyNotOwner } from './visibility.js';

export class ContainerQueries {
  private readonly answers = new AnswerCache();

  constructor(private readonly store: Store) {}

  summary(row: ContainerRow): ContainerSummary {
    const slots = this.store.allocations.liveForContainer(row.id).map((a) => ({
      uuid: a.slot_uuid,
      profile: this.store.slots.get(a.slot_uuid)?.profile ?? null,
      state: a.state as 'active' | 'held',
    }));
    return {
      id: row.id,
      name: row.project,
      dockerName: row.name,
      owner: row.owner_name,
      ownerUid: row.owner_uid,
      image: row.image,
      state: row.state as ContainerState,
      createdAt: new Date(row.created_at).toISOString(),
      startedAt: row.started_at ? new Date(row.started_at).toISOString() : null,
      stoppedAt: row.stopped_at ? new Date(row.stopped_at).toISOString() : null,
      gpuSlots: slots,
      adopted: row.origin === 'adopted',
      stopReason: this.stopReason(row),
    };
  }

  /** Stopped by someone other than its owner (an admin, ds01d): who and why, for container-list. */
  private stopReason(row: ContainerRow): string | null {
    if (row.state === 'running' || row.state === 'created') return null;
    const e = this.store.events.latestFor(row.id, 'container.stopped');
    if (!e || e.actorUid === row.owner_uid) return null;
    const reason = (e.reason ?? 'stopped').replace(/^automatic stop: stopped: /, '');
    return reason.startsWith('by ') ? reason : `by ${e.actor}: ${reason}`;
  }

  /** A user's own live containers; `all` lets an admin see everyone's. */
  list(caller: Caller, opts: { all?: boolean; owner?: number } = {}): ContainerSummary[] {
    let rows: ContainerRow[];
    if (caller.admin && opts.all) rows = this.store.containers.live();
    else if (caller.admin && opts.owner !== undefined) rows = this.store.containers.live(opts.owner);
    else rows = this.store.containers.live(caller.uid);
    return rows.map((r) => this.summary(r));
  }

  /** list() as JSON text, kept while the store is unchanged: what GET /v1/containers answers. */
  listJson(caller: Caller, opts: { all?: boolean } = {}): string {
    const everyone = caller.admin && opts.all;
    return this.answers.get(this.store.readVersion(), everyone ? 'all' : `uid:${caller.uid}`, () =>
      JSON.stringify(this.list(caller, opts)),
    );
  }

  /**
   * Resolve what a user typed (project name, Docker name, or id) to one of their live containers.
   * Another user's container is refused (and the caller audits the denial), never acted on.
   */
  resolve(caller: Caller, ref: string): ContainerRow {
    const matches = this.store.containers.findLive(ref, caller.uid);
    const own = matches.filter((m) => m.owner_uid === caller.uid);
    if (own.length === 1) return own[0] as ContainerRow;
    if (own.length > 1)
      throw new Ds01Error(
        'CONFLICT',
        `"${ref}" matches ${own.length} containers`,
        'use the full container id',
      );
    // An admin may also name someone's container by its project name when only one user has it.
    const byProject = caller.admin && matches.length === 0 ? this.store.containers.liveByProject(ref) : [];
    const others = [...matches, ...byProject].filter((m) => canSee(caller, m.owner_uid));
    if (others.length === 1) return others[0] as ContainerRow;
    if (matches.length > 0 && !caller.admin) throw denyNotOwner(`container ${ref}`);
    if (others.length > 1)
      throw new Ds01Error(
        'CONFLICT',
        `"${ref}" matches ${others.length} containers (${others.map((o) => o.name).join(', ')})`,
        'use the full name (NAME._.UID) or the container id',
      );
    throw this.gone(caller, ref) ?? notFound(`container ${ref}`, 'see `container-list` for your containers');
  }

  /** A container of the caller's that was retired or removed: say when, by whom and why, not just "not found". */
  private gone(caller: Caller, ref: string): Ds01Error | null {
    const last = this.store.events
      .query({ container: ref, subjectUid: caller.uid, kind: 'container.', limit: 20 })
      .reverse()
      .find((e) => e.kind !== 'container.access_denied');
    if (!last || (last.kind !== 'container.retired' && last.kind !== 'container.removed')) return null;
    const project = last.containerName?.split('._.')[0] ?? ref;
    const by = last.actorUid === caller.uid ? 'you' : last.actor;
    const when = localWhen(last.ts);
    return new Ds01Error(
      'NOT_FOUND',
      last.kind === 'container.retired'
        ? `container ${project} was ${last.reason} (${when}${by === 'you' ? '' : `, by ${by}`})`
        : `container ${project} was removed ${when} by ${by} (${last.reason})`,
      `your workspace ~/workspace/${project} is kept; \`container-deploy ${project}\` makes a new container`,
    );
  }
}

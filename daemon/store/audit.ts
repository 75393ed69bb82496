// The one way daemon code writes to the audit log: who acted (a user, or ds01d), what kind of event (a
// typed EventKind), about whom and which container, and why. Built once with the clock.
import type { EventKind } from '../api/types/events.js';
import type { EventsRepo } from './events.js';

/** Who acted: a user (uid) or ds01d and its parts (uid null). */
export interface Actor {
  uid: number | null;
  name: string;
}

export const DAEMON: Actor = { uid: null, name: 'ds01d' };

/** Whose record it is (the owner sees it), and the container when there is one. */
export interface About {
  subjectUid: number | null;
  containerId?: string | null;
  containerName?: string | null;
}

export type EventData = Record<string, unknown> | null;

/** `at`: the time of what the event records, when the caller already took it in this transaction. */
export interface Audit {
  /** A user (or an admin) did it. */
  byUser(
    user: { uid: number; name: string },
    kind: EventKind,
    about: About,
    reason: string | null,
    data?: EventData,
    at?: number,
  ): void;
  /** ds01d did it by itself. */
  byDaemon(kind: EventKind, about: About, reason: string | null, data?: EventData, at?: number): void;
  /** Either, when the caller holds an Actor. */
  by(actor: Actor, kind: EventKind, about: About, reason: string | null, data?: EventData, at?: number): void;
}

export function auditLog(events: Pick<EventsRepo, 'append'>, now: () => number): Audit {
  const by: Audit['by'] = (actor, kind, about, reason, data, at) =>
    events.append({
      ts: at ?? now(),
      actorUid: actor.uid,
      actorName: actor.name,
      subjectUid: about.subjectUid,
      containerId: about.containerId ?? null,
      containerName: about.containerName ?? null,
      kind,
      reason,
      data: data ?? null,
    });
  return {
    by,
    byUser: (user, kind, about, reason, data, at) => by(user, kind, about, reason, data, at),
    byDaemon: (kind, about, reason, data, at) => by(DAEMON, kind, about, reason, data, at),
  };
}

// PURE: which deliveries an audit event causes. A user is told about their own records (the event's
// subject) on the topics they chose; admin channels get what their `on` list names (topics, event kinds,
// kind prefixes). Notification events themselves are never routed to users, and reach a channel only by
// the `notify` topic when that channel is not the one that failed (no delivery loop feeds itself).
import type { AuditEvent } from '../api/types/events.js';
import type { AdminTopic, UserTopic } from '../api/types/notifications.js';
import { localWhen } from '../common/when.js';
import type { NotifyChannel } from '../policy/notifications.js';

/** The user topic an event kind belongs to, if any. */
export const USER_TOPIC_OF: Readonly<Record<string, UserTopic>> = {
  'queue.served': 'queue.served',
  'job.completed': 'job.finished',
  'job.failed': 'job.finished',
  'job.cancelled': 'job.finished',
  'job.timed_out': 'job.finished',
  'job.lost': 'job.finished',
  'lifecycle.warning': 'stop.warning',
  'lifecycle.stopped': 'stopped',
  'lifecycle.removed': 'stopped',
  'gpu.drained_in_use': 'gpu.problem',
  'gpu.unmanaged': 'gpu.problem',
  // MIG reconfiguration: the holder of a slice that goes away is warned, then stopped at the deadline
  'mig.holder_warned': 'stop.warning',
  'mig.holder_stopped': 'stopped',
  // advance booking: an unused booking released after its grace
  'booking.no_show': 'booking',
  // a forced MIG change destroyed a booked slot: the booking is cancelled
  'mig.booking_cancelled': 'booking',
  // storage quotas: crossing the soft or hard limit (once per crossing)
  'quota.warning': 'quota',
};

/** The admin topic an event kind belongs to, if any. */
export const ADMIN_TOPIC_OF: Readonly<Record<string, AdminTopic>> = {
  'gpu.health': 'health',
  'gpu.drained': 'health',
  'gpu.slot_missing': 'health',
  'gpu.unmanaged': 'unmanaged',
  'gpu.unmanaged_gone': 'unmanaged',
  'policy.rejected': 'policy',
  'policy.reload_failed': 'policy',
  'daemon.started': 'daemon',
  'host.disk_low': 'disk',
  'notify.failed': 'notify',
  // a failed MIG change leaves its GPU drained until an admin acts
  'mig.failed': 'health',
};

export type Target = { kind: 'user'; uid: number } | { kind: 'channel'; name: string };

export interface Delivery {
  target: Target;
  topic: string;
  subject: string;
  body: string;
}

export interface RouteInput {
  event: AuditEvent;
  /** The user-facing container name (project), when the event is about one. */
  container: string | null;
  /** Topics the event's subject chose (or the policy default); null when e-mail to users is off. */
  subjectTopics: readonly string[] | null;
  channels: readonly NotifyChannel[];
}

export function routeEvent(i: RouteInput): Delivery[] {
  const { event } = i;
  const out: Delivery[] = [];
  const userTopic = USER_TOPIC_OF[event.kind];
  const adminTopic = ADMIN_TOPIC_OF[event.kind];
  const text = render(event, i.container);
  if (userTopic && event.subjectUid !== null && i.subjectTopics?.includes(userTopic))
    out.push({ target: { kind: 'user', uid: event.subjectUid }, topic: userTopic, ...text });
  for (const c of i.channels) {
    const topic = matches(c, event.kind, userTopic, adminTopic);
    if (topic === null) continue;
    if (event.kind.startsWith('notify.') && (topic !== 'notify' || event.data?.channel === c.name)) continue;
    out.push({ target: { kind: 'channel', name: c.name }, topic, ...text });
  }
  return out;
}

/** The subscription of `c` that takes this event: its topic, or the kind/prefix written; null = none. */
function matches(c: NotifyChannel, kind: string, user?: string, admin?: string): string | null {
  for (const on of c.on) {
    if (on === admin || on === user) return on;
    if (on === kind || (on.endsWith('.') && kind.startsWith(on))) return kind;
  }
  return null;
}

const SUBJECTS: Readonly<Record<string, (c: string) => string>> = {
  'queue.served': (c) => `your queued container ${c} is running`,
  'job.completed': () => 'your job finished',
  'job.failed': () => 'your job failed',
  'job.cancelled': () => 'your job was cancelled',
  'job.timed_out': () => 'your job reached its time limit',
  'job.lost': () => 'your job was lost',
  'lifecycle.warning': (c) => `your container ${c} will be stopped soon`,
  'lifecycle.stopped': (c) => `your container ${c} was stopped`,
  'lifecycle.removed': (c) => `your container ${c} was removed`,
  'gpu.unmanaged': () => 'a GPU is used outside ds01',
  'gpu.drained_in_use': (c) => `the GPU of your container ${c} was taken out of service`,
  'gpu.health': () => 'a GPU reported an error',
  'mig.holder_warned': (c) => `your container ${c} will be stopped: its GPU is being re-partitioned`,
  'mig.holder_stopped': (c) => `your container ${c} was stopped: its GPU is being re-partitioned`,
  'mig.failed': () => 'a MIG reconfiguration failed; its GPU stays drained',
  'booking.no_show': () => 'your GPU booking was released: it was not used',
  'mig.booking_cancelled': () => 'your GPU booking was cancelled: its GPU is being re-partitioned',
  'quota.warning': () => 'your disk use is near or over its quota',
};

/** Subject and plain text: one line each of what happened, when, and where to look. No secrets are in events. */
export function render(e: AuditEvent, container: string | null): { subject: string; body: string } {
  const name = container ?? 'container';
  const what = SUBJECTS[e.kind]?.(name) ?? `${e.kind}${container ? ` (${container})` : ''}`;
  const jobId = e.kind.startsWith('job.') && typeof e.data?.jobId === 'number' ? ` ${e.data.jobId}` : '';
  const subject = oneLine(`ds01: ${what.replace('your job', `your job${jobId}`)}`);
  const lines = [
    e.reason ? oneLine(e.reason) : what,
    ...(container ? [`container: ${container}`] : []),
    `when: ${localWhen(e.ts, { seconds: true })}`,
    `event: ${e.kind} #${e.id} (ds01 events --kind ${e.kind})`,
  ];
  return { subject: subject.slice(0, 200), body: lines.join('\n') };
}

function oneLine(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ').trim();
}

// Notifications (issue 18): every committed audit event is routed (notify/route.ts) into the outbox in the
// same transaction, and a delivery loop sends the outbox to e-mail (nodemailer) and webhooks, a few at a
// time, with retries and back-off. Nothing here runs inside a request or a sweep except the routing, which
// is a few indexed reads and inserts; the outbox is bounded (a full outbox drops and counts).
// Other services notify by writing an audit event whose kind has a topic in notify/route.ts.
import type { AuditEvent } from '../api/types/events.js';
import type {
  NotifyPrefs,
  NotifySetRequest,
  NotifyTestRequest,
  UserTopic,
} from '../api/types/notifications.js';
import { USER_TOPICS } from '../api/types/notifications.js';
import type { Clock } from '../clock.js';
import { localWhen } from '../common/when.js';
import { Ds01Error } from '../errors.js';
import type { Caller } from '../identity/caller.js';
import type { AccountLookup } from '../identity/nss.js';
import type { Logger } from '../log.js';
import type { MetricsCounters } from '../metrics/counters.js';
import { type AddressSource, chooseAddress } from '../notify/address.js';
import { webhookBody } from '../notify/bodies.js';
import { retryDelay } from '../notify/retry.js';
import { routeEvent, USER_TOPIC_OF } from '../notify/route.js';
import { postWebhook, readSecret, sendMail } from '../notify/send.js';
import { BUILTIN_NOTIFY, type NotifyPolicy } from '../policy/notifications.js';
import type { Policy } from '../policy/types.js';
import { type Audit, auditLog } from '../store/audit.js';
import type { Store } from '../store/index.js';
import type { OutboxRow } from '../store/notify.js';

export interface NotifierOptions {
  queueMax: number;
  retryBaseMs: number;
  maxAttempts: number;
  timeoutMs: number;
  concurrency: number;
}

export interface NotifierDeps {
  store: Store;
  policy: () => Policy;
  accounts: Pick<AccountLookup, 'byUid'>;
  clock: Clock;
  log: Logger;
  counters: MetricsCounters;
  options: NotifierOptions;
  random?: () => number;
}

export class Notifier {
  private readonly audit: Audit;
  private readonly busy = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private lastDropLog = 0;

  constructor(private readonly d: NotifierDeps) {
    this.audit = auditLog(d.store.events, () => d.clock.now());
  }

  private get rules(): NotifyPolicy {
    return this.d.policy().notifications ?? BUILTIN_NOTIFY;
  }

  /** Routes every event from now on (inside its writer's transaction) and starts delivering. */
  start(): void {
    this.stopped = false;
    this.d.store.events.setTap((e) => this.route(e));
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.d.store.events.setTap(null);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Runs inside the event's transaction: must be quick and must not throw. */
  private route(e: AuditEvent): void {
    try {
      const rules = this.rules;
      const userTopic = USER_TOPIC_OF[e.kind];
      const subjectTopics =
        rules.smtp && userTopic && e.subjectUid !== null
          ? (this.d.store.notifyPrefs.get(e.subjectUid)?.topics ?? rules.defaultOn)
          : null;
      const deliveries = routeEvent({
        event: e,
        container: this.containerOf(e),
        subjectTopics,
        channels: rules.channels,
      });
      if (deliveries.length === 0) return;
      const now = this.d.clock.now();
      for (const x of deliveries) {
        const target = x.target.kind === 'user' ? `user:${x.target.uid}` : `channel:${x.target.name}`;
        const row = {
          event_id: e.id,
          target,
          topic: x.topic,
          subject: x.subject,
          body: x.body,
          event_json: JSON.stringify(e),
        };
        if (!this.d.store.outbox.add(row, now, this.d.options.queueMax)) this.dropped(now);
      }
      setImmediate(() => this.pump());
    } catch (err) {
      this.d.log.error('notification routing failed', { kind: e.kind, error: String(err) });
    }
  }

  private containerOf(e: AuditEvent): string | null {
    const name = e.containerName ?? (e.containerId ? this.d.store.containers.get(e.containerId)?.name : null);
    return name ? (name.split('._.')[0] ?? name) : null;
  }

  private dropped(now: number): void {
    this.d.counters.notify.dropped++;
    if (now - this.lastDropLog > 60_000) {
      this.lastDropLog = now;
      this.d.log.warn('notification outbox full: new notifications are dropped', {
        max: this.d.options.queueMax,
      });
    }
  }

  /** Starts what is due, up to the concurrency; re-arms a timer for the next due row. */
  private pump(): void {
    if (this.stopped || !this.d.store.isOpen) return;
    const free = this.d.options.concurrency - this.busy.size;
    const now = this.d.clock.now();
    for (const row of free > 0 ? this.d.store.outbox.due(now, free, this.busy) : []) {
      this.busy.add(row.id);
      void this.deliver(row).finally(() => {
        this.busy.delete(row.id);
        this.pump();
      });
    }
    if (this.timer) clearTimeout(this.timer);
    const next = this.d.store.outbox.nextAt();
    const wait = next === null ? 60_000 : Math.min(Math.max(next - now, 50), 60_000);
    this.timer = setTimeout(() => this.pump(), wait);
    this.timer.unref();
  }

  private async deliver(row: OutboxRow): Promise<void> {
    try {
      const sent = await this.send(row);
      if (!this.d.store.isOpen) return;
      this.d.store.outbox.remove(row.id);
      if (sent) this.d.counters.notify.sent++;
    } catch (err) {
      if (this.d.store.isOpen) this.failed(row, (err as Error).message);
    }
  }

  /** False when there was nobody to send to (no address, channel or SMTP any more). */
  private async send(row: OutboxRow): Promise<boolean> {
    const rules = this.rules;
    const timeout = this.d.options.timeoutMs;
    const event = JSON.parse(row.event_json) as Record<string, unknown>;
    if (row.target.startsWith('user:')) {
      const uid = Number(row.target.slice(5));
      const to = rules.smtp ? await this.addressOf(uid) : null;
      if (!rules.smtp || !to) return false;
      await sendMail(rules.smtp, { to: [to.email], subject: row.subject, text: row.body }, timeout);
      return true;
    }
    const channel = rules.channels.find((c) => `channel:${c.name}` === row.target);
    if (!channel) return false;
    if (channel.type === 'email') {
      if (!rules.smtp)
        throw new Error(`channel ${channel.name} sends e-mail but notifications.smtp is not set`);
      await sendMail(rules.smtp, { to: channel.to, subject: row.subject, text: row.body }, timeout);
      return true;
    }
    const url = readSecret(channel.urlFile as string);
    const body = webhookBody(channel.type, { topic: row.topic, subject: row.subject, body: row.body, event });
    await postWebhook(url, body, timeout);
    return true;
  }

  private failed(row: OutboxRow, error: string): void {
    const attempts = row.attempts + 1;
    const now = this.d.clock.now();
    if (attempts < this.d.options.maxAttempts) {
      const delay = retryDelay(attempts, this.d.options.retryBaseMs, (this.d.random ?? Math.random)());
      this.d.store.outbox.retryAt(row.id, attempts, now + delay, error);
      this.d.counters.notify.retried++;
      this.d.log.info('notification not delivered; will retry', { target: row.target, attempts, error });
      return;
    }
    const user = row.target.startsWith('user:') ? Number(row.target.slice(5)) : null;
    const channel = user === null ? row.target.slice(8) : null;
    this.d.store.tx(() => {
      this.d.store.outbox.remove(row.id);
      this.audit.byDaemon(
        'notify.failed',
        { subjectUid: user },
        `"${row.subject}" could not be delivered to ${channel ? `channel ${channel}` : 'your e-mail'} after ${attempts} tries: ${error}`,
        { channel, topic: row.topic, attempts, eventId: row.event_id },
        now,
      );
    });
    this.d.counters.notify.failed++;
  }

  /** Where a user's e-mail goes: their own setting, then the policy's map, then GECOS. */
  private async addressOf(uid: number): Promise<{ email: string; source: AddressSource } | null> {
    const own = this.d.store.notifyPrefs.get(uid)?.email;
    const account = own ? null : await this.d.accounts.byUid(uid);
    if (!own && !account) return null;
    return chooseAddress(own, account ?? { name: '' }, this.rules);
  }

  async prefs(caller: Caller): Promise<NotifyPrefs> {
    const rules = this.rules;
    const own = this.d.store.notifyPrefs.get(caller.uid);
    const address = await this.addressOf(caller.uid);
    return {
      user: caller.name,
      email: address?.email ?? null,
      emailSource: address?.source ?? null,
      on: (own?.topics ?? rules.defaultOn) as UserTopic[],
      onSource: own?.topics ? 'set' : 'default',
      topics: USER_TOPICS,
      emailEnabled: rules.smtp !== null,
    };
  }

  /** A test message: to the caller's own e-mail, or (admins) to one channel. Delivered like any other. */
  test(caller: Caller, req: NotifyTestRequest): { target: string } {
    const rules = this.rules;
    let target: string;
    if (req.channel !== undefined) {
      if (!caller.admin) throw new Ds01Error('FORBIDDEN', 'only admins can test a channel');
      if (!rules.channels.some((c) => c.name === req.channel))
        throw new Ds01Error(
          'NOT_FOUND',
          `no notification channel "${req.channel}"`,
          'see notifications.channels in the policy',
        );
      target = `channel:${req.channel}`;
    } else {
      if (!rules.smtp)
        throw new Ds01Error('CONFLICT', 'this server sends no e-mail (notifications.smtp is not set)');
      target = `user:${caller.uid}`;
    }
    const now = this.d.clock.now();
    const row = {
      event_id: null,
      target,
      topic: 'test',
      subject: 'ds01: test notification',
      body: `A test sent by ${caller.name} at ${localWhen(now, { seconds: true })}.`,
      event_json: JSON.stringify({ kind: 'notify.test', actor: caller.name }),
    };
    if (!this.d.store.outbox.add(row, now, this.d.options.queueMax))
      throw new Ds01Error('UNAVAILABLE', 'the notification outbox is full', 'try again later');
    setImmediate(() => this.pump());
    return { target };
  }

  async setPrefs(caller: Caller, req: NotifySetRequest): Promise<NotifyPrefs> {
    const rules = this.rules;
    const own = this.d.store.notifyPrefs.get(caller.uid);
    const email = req.email === undefined ? (own?.email ?? null) : req.email;
    const topics = req.on === undefined ? (own?.topics ?? null) : req.on;
    if (email && rules.emailDomains.length > 0) {
      const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
      if (!rules.emailDomains.includes(domain))
        throw new Ds01Error(
          'VALIDATION_FAILED',
          `ds01 sends e-mail only to addresses in ${rules.emailDomains.join(', ')}`,
          'give an address in one of those domains, or ask an admin',
        );
    }
    this.d.store.tx(() => {
      this.d.store.notifyPrefs.set(
        caller.uid,
        email,
        topics ? [...new Set(topics)] : null,
        this.d.clock.now(),
      );
      this.audit.byUser(
        caller,
        'notify.prefs_changed',
        { subjectUid: caller.uid },
        'notification choices changed',
        {
          email,
          on: topics,
        },
      );
    });
    return this.prefs(caller);
  }
}

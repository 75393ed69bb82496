// The policy's `notifications:` section: users' default topics, where their e-mail addresses come from,
// the SMTP server, and the admins' channels (webhooks in Slack/Teams/Mattermost/generic shape, e-mail).
// Secrets are never in this file: the SMTP password and webhook URLs (which carry tokens) are files that
// only root may read, named here and read at each delivery (services/notifier.ts checks their owner and mode).
import type { Node } from 'yaml';
import { EVENT_KINDS } from '../api/types/events.js';
import { ADMIN_TOPICS, EMAIL, USER_TOPICS, type UserTopic } from '../api/types/notifications.js';
import type { PolicyReader } from './reader.js';

export const CHANNEL_TYPES = ['webhook', 'slack', 'teams', 'mattermost', 'email'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export interface NotifyChannel {
  name: string;
  type: ChannelType;
  /** Webhooks: a root-only file holding the URL. */
  urlFile: string | null;
  /** E-mail channels: the addresses. */
  to: string[];
  /** Topics (admin or user), event kinds, or kind prefixes ending in '.'. */
  on: string[];
}

export interface SmtpPolicy {
  host: string;
  port: number;
  /** starttls: upgrade required; tls: TLS from the first byte (465); none: plain (a relay on localhost). */
  security: 'starttls' | 'tls' | 'none';
  user: string | null;
  passwordFile: string | null;
  from: string;
}

export interface NotifyPolicy {
  /** Topics that reach a user who chose none. */
  defaultOn: UserTopic[];
  /** user name → address. */
  emails: Readonly<Record<string, string>>;
  /** Use the first address found in the user's GECOS field when neither they nor `emails` give one. */
  emailFromGecos: boolean;
  /** When set, the addresses users may choose must be in one of these domains. */
  emailDomains: string[];
  smtp: SmtpPolicy | null;
  channels: NotifyChannel[];
}

export const BUILTIN_NOTIFY: NotifyPolicy = {
  defaultOn: ['queue.served', 'job.finished', 'stop.warning', 'stopped', 'gpu.problem', 'booking', 'quota'],
  emails: {},
  emailFromGecos: true,
  emailDomains: [],
  smtp: null,
  channels: [],
};

const KEYS = ['default_on', 'emails', 'email_from_gecos', 'email_domains', 'smtp', 'channels'];
const CHANNEL_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const DOMAIN = /^[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$/i;

export function readNotifications(r: PolicyReader, node: Node, path: string): NotifyPolicy {
  const out: NotifyPolicy = { ...BUILTIN_NOTIFY, emails: {}, emailDomains: [], channels: [] };
  for (const entry of r.entries(node, path) ?? []) {
    switch (entry.key) {
      case 'default_on': {
        const topics = r.strings(entry.value, entry.path, 'user topics');
        if (topics === undefined) break;
        const bad = topics.filter((t) => !(USER_TOPICS as readonly string[]).includes(t));
        if (bad.length > 0)
          r.error(entry.value, entry.path, `unknown topic ${bad.map((b) => `"${b}"`).join(', ')}`, {
            expected: USER_TOPICS.join(', '),
          });
        else out.defaultOn = topics as UserTopic[];
        break;
      }
      case 'emails': {
        const emails: Record<string, string> = {};
        for (const e of r.entries(entry.value, entry.path) ?? []) {
          const addr = r.string(e.value, e.path, 'an e-mail address');
          if (addr === undefined) continue;
          if (!EMAIL.test(addr))
            r.error(e.value, e.path, `"${addr}" is not one plain e-mail address`, {
              expected: 'e.g. ada@example.org',
            });
          else emails[e.key] = addr;
        }
        out.emails = emails;
        break;
      }
      case 'email_from_gecos':
        out.emailFromGecos = r.boolean(entry.value, entry.path) ?? out.emailFromGecos;
        break;
      case 'email_domains': {
        const domains = r.strings(entry.value, entry.path, 'domain names') ?? [];
        for (const d of domains)
          if (!DOMAIN.test(d)) r.error(entry.value, entry.path, `"${d}" is not a domain name`);
        out.emailDomains = domains.map((d) => d.toLowerCase());
        break;
      }
      case 'smtp':
        out.smtp = readSmtp(r, entry.value, entry.path);
        break;
      case 'channels':
        out.channels = readChannels(r, entry.value, entry.path);
        break;
      default:
        r.unknownKey(entry, KEYS, 'notifications');
    }
  }
  return out;
}

function readSmtp(r: PolicyReader, node: Node, path: string): SmtpPolicy | null {
  const s: Partial<SmtpPolicy> = { security: 'starttls', user: null, passwordFile: null };
  let ok = true;
  for (const e of r.entries(node, path) ?? []) {
    switch (e.key) {
      case 'host':
        s.host = r.string(e.value, e.path, 'a host name');
        break;
      case 'port': {
        const port = r.number(e.value, e.path, { integer: true, min: 1, max: 65535 });
        if (typeof port === 'number') s.port = port;
        break;
      }
      case 'security': {
        const v = r.scalar(e.value);
        if (v === 'starttls' || v === 'tls' || v === 'none') s.security = v;
        else r.error(e.value, e.path, `"${String(v)}" is not starttls, tls or none`);
        break;
      }
      case 'user':
        s.user = r.string(e.value, e.path, 'a login name') ?? null;
        break;
      case 'password_file':
        s.passwordFile = absolute(r, e.value, e.path) ?? null;
        break;
      case 'from':
        s.from = r.string(e.value, e.path, 'an address such as "ds01 <ds01@example.org>"');
        if (s.from !== undefined && /[\r\n]/.test(s.from)) {
          r.error(e.value, e.path, 'the From address must be one line');
          s.from = undefined;
        }
        break;
      default:
        r.unknownKey(e, ['host', 'port', 'security', 'user', 'password_file', 'from'], 'notifications.smtp');
    }
  }
  for (const need of ['host', 'from'] as const)
    if (s[need] === undefined) {
      r.error(node, path, `notifications.smtp needs "${need}"`);
      ok = false;
    }
  if (!ok) return null;
  return {
    host: s.host as string,
    port: s.port ?? (s.security === 'tls' ? 465 : 587),
    security: s.security ?? 'starttls',
    user: s.user ?? null,
    passwordFile: s.passwordFile ?? null,
    from: s.from as string,
  };
}

function readChannels(r: PolicyReader, node: Node, path: string): NotifyChannel[] {
  const out: NotifyChannel[] = [];
  for (const item of r.items(node, path, 'channels') ?? []) {
    const c: Partial<NotifyChannel> = { urlFile: null, to: [], on: [] };
    for (const e of r.entries(item.node, item.path) ?? []) {
      switch (e.key) {
        case 'name': {
          const name = r.string(e.value, e.path, 'a channel name');
          if (name !== undefined && !CHANNEL_NAME.test(name))
            r.error(e.value, e.path, `"${name}" is not a channel name`, {
              expected: 'lower case letters, digits, "_" and "-" (up to 32)',
            });
          else if (name !== undefined && out.some((o) => o.name === name))
            r.error(e.value, e.path, `two channels are named "${name}"`);
          else c.name = name;
          break;
        }
        case 'type': {
          const v = r.scalar(e.value);
          if ((CHANNEL_TYPES as readonly unknown[]).includes(v)) c.type = v as ChannelType;
          else
            r.error(e.value, e.path, `"${String(v)}" is not a channel type`, {
              expected: CHANNEL_TYPES.join(', '),
            });
          break;
        }
        case 'url_file':
          c.urlFile = absolute(r, e.value, e.path) ?? null;
          break;
        case 'to': {
          const to = r.strings(e.value, e.path, 'e-mail addresses') ?? [];
          for (const a of to)
            if (!EMAIL.test(a)) r.error(e.value, e.path, `"${a}" is not one plain e-mail address`);
          c.to = to;
          break;
        }
        case 'on': {
          const on = r.strings(e.value, e.path, 'topics') ?? [];
          for (const t of on)
            if (!knownSubscription(t))
              r.error(e.value, e.path, `"${t}" is not a topic, event kind or kind prefix`, {
                expected: `${[...ADMIN_TOPICS, ...USER_TOPICS].join(', ')}, an event kind, or a prefix such as "gpu."`,
              });
          c.on = on;
          break;
        }
        default:
          r.unknownKey(e, ['name', 'type', 'url_file', 'to', 'on'], 'a notification channel');
      }
    }
    if (!c.name || !c.type) {
      r.error(item.node, item.path, 'a channel needs "name" and "type"');
      continue;
    }
    if (c.type === 'email' ? (c.to ?? []).length === 0 : !c.urlFile) {
      r.error(
        item.node,
        item.path,
        c.type === 'email' ? 'an e-mail channel needs "to"' : 'a webhook needs "url_file"',
        {
          hint:
            c.type === 'email'
              ? undefined
              : 'a root-only file (chmod 600) holding the URL: it carries a token',
        },
      );
      continue;
    }
    out.push(c as NotifyChannel);
  }
  return out;
}

function knownSubscription(t: string): boolean {
  if ((ADMIN_TOPICS as readonly string[]).includes(t) || (USER_TOPICS as readonly string[]).includes(t))
    return true;
  if ((EVENT_KINDS as readonly string[]).includes(t)) return true;
  return t.endsWith('.') && EVENT_KINDS.some((k) => k.startsWith(t));
}

function absolute(r: PolicyReader, node: Node, path: string): string | undefined {
  const v = r.string(node, path, 'an absolute path');
  if (v === undefined) return undefined;
  if (!v.startsWith('/') || v.split('/').includes('..'))
    return r.error(node, path, `"${v}" is not an absolute path`, { expected: 'an absolute path without ..' });
  return v;
}

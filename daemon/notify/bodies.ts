// PURE: the JSON body each webhook flavour expects for one notification.
import type { ChannelType } from '../policy/notifications.js';

export interface Outgoing {
  topic: string;
  subject: string;
  body: string;
  /** The audit event as `ds01 events --json` shows it. */
  event: Record<string, unknown>;
}

export function webhookBody(type: Exclude<ChannelType, 'email'>, n: Outgoing): unknown {
  switch (type) {
    case 'slack':
      return { text: `*${escapeSlack(n.subject)}*\n${escapeSlack(n.body)}` };
    case 'mattermost':
      return { username: 'ds01', text: `#### ${n.subject}\n${n.body}` };
    case 'teams':
      // Office 365 connector MessageCard (incoming webhooks and Workflows both take it).
      return {
        '@type': 'MessageCard',
        '@context': 'https://schema.org/extensions',
        summary: n.subject,
        title: n.subject,
        text: n.body.replace(/\n/g, '<br>'),
      };
    case 'webhook':
      return { source: 'ds01', topic: n.topic, subject: n.subject, text: n.body, event: n.event };
  }
}

/** Slack reads <…> as links and mentions: `<!channel>` in a reason must stay text. */
function escapeSlack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

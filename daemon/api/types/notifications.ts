// Wire types for notifications: what reaches a user by e-mail (`ds01 notify show|set`), and the topics
// admins route to their channels (policy `notifications.channels[].on`).
import { z } from 'zod';
import { EMAIL, USER_TOPICS, type UserTopic } from './notify-topics.js';

export { ADMIN_TOPICS, type AdminTopic, EMAIL, USER_TOPICS, type UserTopic } from './notify-topics.js';

/** PUT /v1/notify/me. `email: null` = back to the policy's address (or GECOS); `on: null` = the policy default. */
export const notifySetRequest = z.strictObject({
  email: z.string().max(254).regex(EMAIL, 'one plain address such as ada@example.org').nullable().optional(),
  on: z.array(z.enum(USER_TOPICS)).max(USER_TOPICS.length).nullable().optional(),
});
export type NotifySetRequest = z.infer<typeof notifySetRequest>;

export interface NotifyPrefs {
  user: string;
  /** Where e-mail goes, and where that address came from; null when ds01 knows none. */
  email: string | null;
  emailSource: 'set' | 'policy' | 'gecos' | null;
  /** Topics that reach this user, and whether they are the user's own choice or the policy default. */
  on: UserTopic[];
  onSource: 'set' | 'default';
  topics: readonly UserTopic[];
  /** False when the server has no SMTP configured: nothing is e-mailed to anyone. */
  emailEnabled: boolean;
}

/** POST /v1/notify/test: a test message to one's own e-mail, or (admins) to a channel. */
export const notifyTestRequest = z.strictObject({
  channel: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/)
    .optional(),
});
export type NotifyTestRequest = z.infer<typeof notifyTestRequest>;

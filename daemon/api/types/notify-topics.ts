// Notification topics and the address rule, without zod: the CLI's start-up path loads this.

/** What a user may choose to be told about by e-mail. */
export const USER_TOPICS = [
  'queue.served',
  'job.finished',
  'stop.warning',
  'stopped',
  'gpu.problem',
  'booking',
  'quota',
] as const;
export type UserTopic = (typeof USER_TOPICS)[number];

/** What admin channels may subscribe to (besides user topics, event kinds and kind prefixes ending in '.'). */
export const ADMIN_TOPICS = ['health', 'unmanaged', 'policy', 'daemon', 'disk', 'notify'] as const;
export type AdminTopic = (typeof ADMIN_TOPICS)[number];

/**
 * One e-mail address, nothing else: no display name, no list, no line breaks (nodemailer would read
 * `a@x, b@y` as two recipients and a header injection needs a newline).
 */
export const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$/;

// `ds01 notify show|set|test`: what ds01 e-mails you about, and where.

import type { NotifyPrefs, NotifySetRequest } from '../../daemon/api/types/index.js';
import { USER_TOPICS, type UserTopic } from '../../daemon/api/types/notify-topics.js';
import type { Ctx } from '../lib/context.js';
import { myNotify, setMyNotify, testNotify } from '../lib/notify.js';
import { printJson, prose } from '../lib/output.js';
import { UsageError } from '../lib/prompts.js';

const SOURCE = { set: 'your choice', policy: 'set by the admins', gecos: 'from your account (GECOS)' };

function printPrefs(ctx: Ctx, p: NotifyPrefs): void {
  const io = ctx.io;
  if (!p.emailEnabled) io.out(prose(io, 'This server sends no e-mail (no SMTP server is configured).'));
  io.out(`e-mail: ${p.email ?? '(none)'}${p.emailSource ? ` (${SOURCE[p.emailSource]})` : ''}\n`);
  io.out(`on:     ${p.on.join(', ') || '(nothing)'}${p.onSource === 'default' ? ' (the default)' : ''}\n`);
  io.out(prose(io, `topics: ${p.topics.join(', ')}`));
}

export async function runNotifyShow(ctx: Ctx, o: { json?: boolean }): Promise<number> {
  const p = await myNotify(ctx.client);
  if (o.json) printJson(ctx.io, p);
  else printPrefs(ctx, p);
  return 0;
}

/** `--on a,b` | `--on default` | `--on none`. */
export function parseTopics(raw: string): UserTopic[] | null {
  const v = raw.trim();
  if (v === 'default') return null;
  if (v === 'none' || v === '') return [];
  const list = v
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const bad = list.filter((t) => !(USER_TOPICS as readonly string[]).includes(t));
  if (bad.length > 0)
    throw new UsageError(
      `unknown topic ${bad.join(', ')}: choose from ${USER_TOPICS.join(', ')}, default or none`,
    );
  return list as UserTopic[];
}

export async function runNotifySet(
  ctx: Ctx,
  o: { email?: string; on?: string; json?: boolean },
): Promise<number> {
  if (o.email === undefined && o.on === undefined)
    throw new UsageError('nothing to set: give --email ADDRESS|default and/or --on TOPICS|default|none');
  const body: NotifySetRequest = {};
  if (o.email !== undefined) body.email = o.email === 'default' ? null : o.email.trim();
  if (o.on !== undefined) body.on = parseTopics(o.on);
  const p = await setMyNotify(ctx.client, body);
  if (o.json) printJson(ctx.io, p);
  else printPrefs(ctx, p);
  return 0;
}

export async function runNotifyTest(ctx: Ctx, o: { channel?: string; json?: boolean }): Promise<number> {
  const r = await testNotify(ctx.client, o.channel ? { channel: o.channel } : {});
  if (o.json) printJson(ctx.io, r);
  else
    ctx.io.err(
      `test notification queued for ${r.target.replace(/^user:\d+$/, 'your e-mail')}; failures show in ds01 events --kind notify.\n`,
    );
  return 0;
}

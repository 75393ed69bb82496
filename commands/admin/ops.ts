// `ds01 admin …`: every container, stop/retire anyone's with a reason, the users report, the whole audit
// log. The daemon refuses non-admins (exit 3); these only print.

import { adminContainers, adminEvents, adminRetire, adminStop, adminUsers } from '../lib/admin.js';
import type { Ctx } from '../lib/context.js';
import { paint, printJson, table } from '../lib/output.js';
import { ago, size } from '../lib/units.js';
import { type EventsOpts, runEvents } from '../user/events.js';

export async function runAdminContainers(ctx: Ctx, o: { json?: boolean }): Promise<number> {
  const list = await adminContainers(ctx.client);
  if (o.json) {
    printJson(ctx.io, list);
    return 0;
  }
  if (!list.length) {
    ctx.io.err('no containers\n');
    return 0;
  }
  ctx.io.out(
    table(
      ['OWNER', 'NAME', 'STATE', 'GPU', 'IMAGE', 'CREATED', 'ID'],
      list.map((c) => [
        c.owner,
        c.dockerName,
        c.state,
        c.gpuSlots.map((s) => `${s.profile ?? 'whole'}${s.state === 'held' ? ' (held)' : ''}`).join(', ') ||
          '-',
        c.image,
        ago(c.createdAt, Date.now()),
        c.id.slice(0, 12),
      ]),
      ctx.io,
    ),
  );
  return 0;
}

function needReason(ctx: Ctx, reason: string | undefined): reason is string {
  if (reason?.trim()) return true;
  ctx.io.err('ds01: --reason is required (the owner sees it, and it is kept in the audit log)\n');
  return false;
}

export async function runAdminStop(
  ctx: Ctx,
  ref: string,
  o: { reason?: string; force?: boolean; timeout?: string; json?: boolean },
): Promise<number> {
  if (!needReason(ctx, o.reason)) return 2;
  const timeout = o.timeout === undefined ? undefined : Number(o.timeout);
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 0)) {
    ctx.io.err('ds01: --timeout is whole seconds (e.g. 30)\n');
    return 2;
  }
  const r = await adminStop(ctx.client, ref, { reason: o.reason, force: o.force, timeout });
  if (o.json) printJson(ctx.io, r);
  else ctx.io.err(`stopped ${r.dockerName} of ${r.owner}; they were told why\n`);
  return 0;
}

export async function runAdminRetire(
  ctx: Ctx,
  ref: string,
  o: { reason?: string; force?: boolean; json?: boolean },
): Promise<number> {
  if (!needReason(ctx, o.reason)) return 2;
  const r = await adminRetire(ctx.client, ref, { reason: o.reason, force: o.force });
  if (o.json) printJson(ctx.io, r);
  else
    ctx.io.err(`retired ${ref} (stopped, removed, GPU released; workspace kept); the owner was told why\n`);
  return 0;
}

export async function runAdminUsers(ctx: Ctx, o: { json?: boolean; inactive?: string }): Promise<number> {
  if (o.inactive !== undefined && !o.json) ctx.io.err('measuring workspaces (du) …\n');
  const rows = await adminUsers(ctx.client, o.inactive);
  if (o.json) {
    printJson(ctx.io, rows);
    return 0;
  }
  const p = paint(ctx.io);
  if (o.inactive !== undefined) {
    ctx.io.out(
      table(
        ['USER', 'GROUP', 'CONTAINERS', 'WORKSPACE', 'LAST ACTIVITY'],
        rows.map((r) => [
          r.user,
          r.group,
          String(r.containers),
          r.workspaceBytes === null || r.workspaceBytes === undefined ? '-' : size(r.workspaceBytes),
          r.lastActivity ? ago(r.lastActivity, Date.now()) : 'never',
        ]),
        ctx.io,
      ),
    );
    if (!rows.length) ctx.io.err(`nobody has been inactive for ${o.inactive}\n`);
    return 0;
  }
  ctx.io.out(
    table(
      ['USER', 'GROUP', 'CONTAINERS', 'SLOTS', 'GPU-EQ', 'QUEUED', 'LAST ACTIVITY'],
      rows.map((r) => [
        r.user,
        r.group,
        `${r.containers} (${r.running} running)`,
        r.held ? `${r.slots} (${r.held} held)` : String(r.slots),
        String(r.gpuEquivalents),
        String(r.queued),
        r.lastActivity ? `${ago(r.lastActivity, Date.now())} ${p.dim(r.lastActivityKind ?? '')}` : 'never',
      ]),
      ctx.io,
    ),
  );
  return 0;
}

/** The whole audit log with every filter; the daemon checks admin rights first. */
export async function runAdminEvents(ctx: Ctx, o: EventsOpts, signal?: AbortSignal): Promise<number> {
  await adminEvents(ctx.client, { limit: 1 });
  return runEvents(ctx, o, signal);
}

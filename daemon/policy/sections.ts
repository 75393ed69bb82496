// Readers for the sections that are not limits: gpu_allocation, schedules, images, shared_mounts, exemptions,
// admin, enforcement, and the replaced system's access_control (its admin list is ds01's admin list).

import { validateDetailed } from 'node-cron';
import type { Node } from 'yaml';
import type { BookingPolicy } from '../booking/types.js';
import { isImageRef, NAME, NAME_RULE } from '../common/names.js';
import { BUILTIN_ADMIN_GROUP, BUILTIN_GPU_ALLOCATION, BUILTIN_SCHEDULES } from './builtin.js';
import { readMigLayout } from './mig-layout.js';
import type { Entry, PolicyReader } from './reader.js';
import {
  GPU_ALLOCATION_KEYS,
  LIMIT_ALIASES,
  LIMIT_FIELDS,
  SCHEDULE_KEYS,
  UNIMPLEMENTED_GPU_ALLOCATION,
} from './schema.js';
import type {
  Exemption,
  GpuAllocationPolicy,
  ImageCatalogueEntry,
  LimitKey,
  Schedules,
  SharedMount,
} from './types.js';

function warnIgnored(r: PolicyReader, entry: Entry, why: string): void {
  r.report('warning', entry.keyNode, entry.path, `"${entry.key}" is not implemented by ds01 and is ignored`, {
    hint: why,
  });
}

const MIG_PROFILE = /^(\d+c\.)?\d+g\.\d+gb(\+me)?$/;

export function readGpuAllocation(r: PolicyReader, node: Node, path: string): GpuAllocationPolicy {
  const out: GpuAllocationPolicy = { ...BUILTIN_GPU_ALLOCATION };
  for (const entry of r.entries(node, path) ?? []) {
    switch (entry.key) {
      case 'enable_mig':
        out.enableMig = r.boolean(entry.value, entry.path) ?? out.enableMig;
        break;
      case 'mig_profile': {
        const value = r.scalar(entry.value);
        if (value === null) out.migProfile = null;
        else if (typeof value === 'string' && MIG_PROFILE.test(value)) out.migProfile = value;
        else
          r.error(entry.value, entry.path, `"${String(value)}" is not a MIG profile`, {
            expected: 'e.g. 1g.10gb, 3g.40gb or null',
          });
        break;
      }
      case 'strategy': {
        const value = r.scalar(entry.value);
        if (value === 'spread' || value === 'pack') out.strategy = value;
        else if (value === 'least_allocated') {
          out.strategy = 'spread';
          r.report('note', entry.value, entry.path, '"least_allocated" is read as spread', {
            hint: 'the old spelling',
          });
        } else
          r.error(entry.value, entry.path, `"${String(value)}" is not a placement strategy`, {
            expected: 'spread or pack',
          });
        break;
      }
      case 'release_held_when_queued':
        out.releaseHeldWhenQueued = r.boolean(entry.value, entry.path) ?? out.releaseHeldWhenQueued;
        break;
      case 'layout':
        out.layout = readMigLayout(r, entry.value, entry.path);
        break;
      case 'allow_unmanaged':
        out.allowUnmanaged = r.boolean(entry.value, entry.path) ?? false;
        break;
      case 'max_overtake_wait': {
        const v = r.duration(entry.value, entry.path, 'm', true);
        if (v !== undefined) out.maxOvertakeWaitMs = v;
        break;
      }
      default: {
        const why = UNIMPLEMENTED_GPU_ALLOCATION[entry.key];
        if (why !== undefined) warnIgnored(r, entry, why);
        else r.unknownKey(entry, GPU_ALLOCATION_KEYS, 'gpu_allocation');
      }
    }
  }
  return out;
}

const CRON_EXPECTED = 'a cron expression: 5 fields (minute hour day month weekday), or 6 with seconds first';

export function readSchedules(r: PolicyReader, node: Node, path: string): Schedules {
  const out: Schedules = { ...BUILTIN_SCHEDULES };
  for (const entry of r.entries(node, path) ?? []) {
    const field = SCHEDULE_KEYS[entry.key as keyof typeof SCHEDULE_KEYS];
    if (!field) {
      r.unknownKey(entry, Object.keys(SCHEDULE_KEYS), 'schedules');
      continue;
    }
    const expression = r.string(entry.value, entry.path, 'a cron expression');
    if (expression === undefined) continue;
    const check = validateDetailed(expression.trim());
    if (check.valid) out[field] = expression.trim();
    else {
      const first = check.errors[0];
      const why = first ? first.message.replace(/ is a invalid /, ' is an invalid ') : 'invalid';
      r.error(entry.value, entry.path, `"${expression}" is not a valid cron expression: ${why}`, {
        expected: CRON_EXPECTED,
      });
    }
  }
  return out;
}

export function readImages(r: PolicyReader, node: Node, path: string): ImageCatalogueEntry[] {
  const out: ImageCatalogueEntry[] = [];
  for (const item of r.items(node, path, 'images') ?? []) {
    const fields = readRecord(r, item.node, item.path, ['name', 'image', 'description'], ['name', 'image']);
    if (!fields) continue;
    const name = r.string(fields.name as Node, `${item.path}.name`);
    const image = r.string(fields.image as Node, `${item.path}.image`, 'an image reference');
    const description = fields.description ? r.string(fields.description, `${item.path}.description`) : '';
    if (name === undefined || image === undefined || description === undefined) continue;
    if (!NAME.test(name)) {
      r.error(fields.name as Node, `${item.path}.name`, `"${name}" is not a valid image name`, {
        expected: NAME_RULE,
      });
    } else if (out.some((e) => e.name === name)) {
      r.error(fields.name as Node, `${item.path}.name`, `image "${name}" is listed twice`);
    } else if (!isImageRef(image)) {
      r.error(fields.image as Node, `${item.path}.image`, `"${image}" is not an image reference`, {
        expected: 'e.g. pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime',
      });
    } else out.push({ name, image, description });
  }
  return out;
}

export function readSharedMounts(r: PolicyReader, node: Node, path: string): SharedMount[] {
  const out: SharedMount[] = [];
  for (const item of r.items(node, path, 'mounts') ?? []) {
    const fields = readRecord(r, item.node, item.path, ['source', 'target'], ['source', 'target']);
    if (!fields) continue;
    const mount: Partial<SharedMount> = {};
    for (const side of ['source', 'target'] as const) {
      const at = `${item.path}.${side}`;
      const value = r.string(fields[side] as Node, at, 'an absolute path');
      if (value === undefined) continue;
      if (!value.startsWith('/') || value.split('/').includes('..')) {
        r.error(fields[side] as Node, at, `"${value}" is not an absolute path`, {
          expected: 'an absolute path without ..',
        });
      } else if (side === 'target' && (value === '/workspace' || value.startsWith('/workspace/'))) {
        r.error(fields[side] as Node, at, `"${value}" would cover the user's workspace`, {
          hint: 'mount it elsewhere, e.g. /data',
        });
      } else if (side === 'target' && out.some((m) => m.target === value)) {
        r.error(fields[side] as Node, at, `two shared mounts target "${value}"`);
      } else mount[side] = value;
    }
    if (mount.source && mount.target) out.push({ source: mount.source, target: mount.target });
  }
  return out;
}

/** A bare date stays valid through that day (UTC); a timestamp is exact. */
export function exemptionEndsAt(expires: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(expires)
    ? Date.parse(`${expires}T00:00:00Z`) + 86_400_000
    : Date.parse(expires);
}

/** Limits an exemption can lift: those with an "unlimited" (null) value, and allow_full_gpu. */
export const EXEMPTABLE: ReadonlySet<LimitKey> = new Set(
  Object.values(LIMIT_FIELDS)
    .filter(
      (f) =>
        f.kind.type === 'bool' ||
        ('nullable' in f.kind && f.kind.nullable) ||
        ('spec' in f.kind && f.kind.spec.nullable),
    )
    .map((f) => f.key),
);

export function readExemptions(r: PolicyReader, node: Node, path: string, now: Date): Exemption[] {
  const out: Exemption[] = [];
  for (const item of r.items(node, path, 'exemptions') ?? []) {
    const fields = readRecord(
      r,
      item.node,
      item.path,
      ['user', 'keys', 'expires', 'reason'],
      ['user', 'keys', 'expires', 'reason'],
    );
    if (!fields) continue;
    const user = r.string(fields.user as Node, `${item.path}.user`, 'a user name');
    const reason = r.string(fields.reason as Node, `${item.path}.reason`, 'a reason');
    const keys = readExemptKeys(r, fields.keys as Node, `${item.path}.keys`);
    const expires = readExpiry(r, fields.expires as Node, `${item.path}.expires`, now);
    if (user === undefined || reason === undefined || keys === undefined || expires === undefined) continue;
    out.push({ user, keys, expires, reason });
  }
  return out;
}

function readExemptKeys(r: PolicyReader, node: Node, path: string): LimitKey[] | 'lifecycle' | undefined {
  if (r.scalar(node) === 'lifecycle') return 'lifecycle';
  const names = r.strings(node, path, 'limit names');
  if (!names) return undefined;
  const keys: LimitKey[] = [];
  const items = r.items(node, path, 'limit names') ?? [];
  names.forEach((name, i) => {
    const at = items[i]?.node ?? node;
    const field = LIMIT_FIELDS[name] ?? LIMIT_FIELDS[LIMIT_ALIASES[name]?.canonical ?? ''];
    if (!field) {
      r.unknownKey(
        { key: name, keyNode: at, value: at, path: `${path}[${i}]` },
        Object.keys(LIMIT_FIELDS),
        'exemption keys',
      );
    } else if (!EXEMPTABLE.has(field.key)) {
      r.error(at, `${path}[${i}]`, `"${name}" has no unlimited value to exempt to`, {
        hint: 'raise it in user_overrides instead',
      });
    } else keys.push(field.key);
  });
  return keys.length === names.length ? keys : undefined;
}

function readExpiry(r: PolicyReader, node: Node, path: string, now: Date): string | undefined {
  const value = r.scalar(node);
  const text =
    value instanceof Date ? value.toISOString() : typeof value === 'string' ? value.trim() : undefined;
  const endsAt = text === undefined ? Number.NaN : exemptionEndsAt(text);
  if (text === undefined || Number.isNaN(endsAt)) {
    return r.error(node, path, `${value === null ? 'null' : `"${String(value)}"`} is not a date`, {
      expected: 'a date such as 2026-09-30 (valid through that day, UTC) or an ISO timestamp',
      hint: 'exemptions must end; pick a date',
    });
  }
  if (endsAt <= now.getTime()) {
    r.report('warning', node, path, `this exemption expired on ${text} and no longer applies`, {
      hint: 'remove it, or extend it with a new date',
    });
  }
  return text;
}

export interface AdminPolicy {
  group: string;
  users: string[];
}

export function readAdmin(r: PolicyReader, node: Node, path: string): Partial<AdminPolicy> {
  const out: Partial<AdminPolicy> = {};
  for (const entry of r.entries(node, path) ?? []) {
    if (entry.key === 'group') {
      const group = r.string(entry.value, entry.path, 'a group name');
      if (group !== undefined) out.group = group;
    } else if (entry.key === 'users') {
      const users = r.strings(entry.value, entry.path, 'user names');
      if (users !== undefined) out.users = users;
    } else r.unknownKey(entry, ['group', 'users'], 'admin');
  }
  return out;
}

/** The replaced system's `access_control`: its admin list and group are ds01's `admin`; the rest is ignored. */
export function readAccessControl(r: PolicyReader, node: Node, path: string): Partial<AdminPolicy> {
  const out: Partial<AdminPolicy> = {};
  for (const entry of r.entries(node, path) ?? []) {
    if (entry.key === 'admin_users') {
      const users = r.strings(entry.value, entry.path, 'user names');
      if (users === undefined) continue;
      out.users = users;
      r.report('note', entry.keyNode, entry.path, `read as admin.users: ${users.join(', ') || '(none)'}`);
    } else if (entry.key === 'admin_group') {
      const group = r.string(entry.value, entry.path, 'a group name');
      if (group === undefined) continue;
      out.group = group;
      r.report('note', entry.keyNode, entry.path, `read as admin.group: ${group}`);
    } else {
      warnIgnored(r, entry, 'ds01 has no Docker wrapper: users never reach Docker except through ds01d');
    }
  }
  return out;
}

export function readEnforcement(r: PolicyReader, node: Node, path: string): boolean | undefined {
  let aggregate: boolean | undefined;
  for (const entry of r.entries(node, path) ?? []) {
    if (entry.key === 'aggregate_limits') aggregate = r.boolean(entry.value, entry.path);
    else if (entry.key === 'cgroup_driver') warnIgnored(r, entry, 'ds01 asks Docker for its cgroup driver');
    else r.unknownKey(entry, ['aggregate_limits'], 'enforcement');
  }
  return aggregate;
}

/** `jobs:` (batch jobs). `idle_timeout` null or absent: jobs are never stopped for idleness. */
export function readJobs(r: PolicyReader, node: Node, path: string): { idleTimeoutMs: number | null } {
  const out = { idleTimeoutMs: null as number | null };
  for (const entry of r.entries(node, path) ?? []) {
    if (entry.key === 'idle_timeout') {
      const v = r.duration(entry.value, entry.path, 'h', true);
      if (v !== undefined) out.idleTimeoutMs = v;
    } else r.unknownKey(entry, ['idle_timeout'], 'jobs');
  }
  return out;
}

export const BOOKING_KEYS = [
  'max_hours_per_week',
  'max_ahead',
  'max_length',
  'profiles',
  'no_show_grace',
] as const;

/** `booking:` (top level) or `groups.<g>.booking:`: only the keys written. `null` = no limit. */
export function readBooking(r: PolicyReader, node: Node, path: string): Partial<BookingPolicy> {
  const out: Partial<BookingPolicy> = {};
  for (const entry of r.entries(node, path) ?? []) {
    const { value, path: at } = entry;
    switch (entry.key) {
      case 'max_hours_per_week': {
        const v = r.number(value, at, { min: 0, nullable: true });
        if (v !== undefined) out.maxHoursPerWeek = v;
        break;
      }
      case 'max_ahead':
      case 'max_length': {
        const v = r.duration(value, at, 'h', true);
        if (v === undefined) break;
        if (v === 0)
          r.error(value, at, `${entry.key} 0 would refuse every booking`, {
            hint: 'set booking.max_hours_per_week: 0 to turn booking off',
          });
        else if (entry.key === 'max_ahead') out.maxAheadMs = v;
        else out.maxLengthMs = v;
        break;
      }
      case 'profiles': {
        if (r.scalar(value) === null) out.profiles = null;
        else {
          const list = r.strings(value, at, 'MIG profiles (e.g. 3g.40gb) or full');
          if (list) out.profiles = list;
        }
        break;
      }
      case 'no_show_grace': {
        const v = r.duration(value, at, 'm', false);
        if (typeof v === 'number') out.noShowGraceMs = v;
        break;
      }
      default:
        r.unknownKey(entry, BOOKING_KEYS, path);
    }
  }
  return out;
}

export function adminGroupOrDefault(admin: Partial<AdminPolicy>): AdminPolicy {
  return { group: admin.group ?? BUILTIN_ADMIN_GROUP, users: admin.users ?? [] };
}

/** A mapping with a fixed set of keys; missing required keys are reported at the mapping. */
function readRecord(
  r: PolicyReader,
  node: Node,
  path: string,
  allowed: readonly string[],
  required: readonly string[],
): Record<string, Node> | undefined {
  const entries = r.entries(node, path);
  if (!entries) return undefined;
  const out: Record<string, Node> = {};
  let ok = true;
  for (const entry of entries) {
    if (allowed.includes(entry.key)) out[entry.key] = entry.value;
    else {
      r.unknownKey(entry, allowed, path.replace(/\[\d+\]$/, ''));
      ok = false;
    }
  }
  for (const key of required) {
    if (!(key in out)) {
      r.error(node, path, `missing "${key}"`, { expected: `keys ${required.join(', ')}` });
      ok = false;
    }
  }
  return ok ? out : undefined;
}

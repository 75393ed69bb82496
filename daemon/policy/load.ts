// resource-limits.yaml text → a validated, deep-frozen Policy, or every error with file:line:column.
// Pure: the caller reads the file (load-file.ts) and supplies `now` for exemption expiry.

import { type Document, LineCounter, type Node, parseDocument } from 'yaml';
import { BUILTIN_BOOKING } from '../booking/types.js';
import { BUILTIN_GPU_ALLOCATION, BUILTIN_LIFECYCLE, BUILTIN_LIMITS, BUILTIN_SCHEDULES } from './builtin.js';
import { checkPolicy } from './checks.js';
import { sortDiagnostics } from './diagnostics.js';
import { type FieldTable, readFields, type Sites } from './fields.js';
import { BUILTIN_NOTIFY, readNotifications } from './notifications.js';
import { type Entry, PolicyReader } from './reader.js';
import {
  AGGREGATE_KEYS,
  GROUP_EXTRA_KEYS,
  LIFECYCLE_ALIASES,
  LIFECYCLE_FIELDS,
  LIMIT_ALIASES,
  LIMIT_FIELDS,
  TOP_LEVEL_KEYS,
  UNIMPLEMENTED_LIFECYCLE,
  UNIMPLEMENTED_LIMITS,
  UNIMPLEMENTED_SECTIONS,
} from './schema.js';
import {
  type AdminPolicy,
  adminGroupOrDefault,
  readAccessControl,
  readAdmin,
  readBooking,
  readEnforcement,
  readExemptions,
  readGpuAllocation,
  readImages,
  readJobs,
  readSchedules,
  readSharedMounts,
} from './sections.js';
import type {
  AggregateLimits,
  Diagnostic,
  GroupPolicy,
  LifecyclePolicy,
  LimitKey,
  Limits,
  ParseResult,
  Policy,
} from './types.js';

export interface ParseOptions {
  /** Exemptions that ended before this are reported as expired. Default: the current time. */
  now?: Date;
}

const LIMITS_TABLE = (where: string, extra?: readonly string[]): FieldTable<LimitKey> => ({
  where,
  fields: LIMIT_FIELDS,
  aliases: LIMIT_ALIASES,
  unimplemented: UNIMPLEMENTED_LIMITS,
  ...(extra ? { extra } : {}),
});

const SYSTEM_WIDE = 'it is system-wide; set it in the top-level policies';

const LIFECYCLE_TABLE = (where: string, perGroup: boolean): FieldTable<keyof LifecyclePolicy> => ({
  where,
  fields: LIFECYCLE_FIELDS,
  aliases: LIFECYCLE_ALIASES,
  unimplemented: UNIMPLEMENTED_LIFECYCLE,
  ...(perGroup
    ? {
        refused: Object.fromEntries(
          Object.entries(LIFECYCLE_FIELDS)
            .filter(([, f]) => !f.perGroup)
            .map(([name]) => [name, SYSTEM_WIDE]),
        ),
      }
    : {}),
});

/** What the walk collects before cross-field checks; positions stay available for those checks. */
export interface Draft {
  defaults: Partial<Limits>;
  groups: Record<string, GroupPolicy>;
  groupKeyNodes: Map<string, Node>;
  userOverrides: Record<string, Partial<Limits>>;
  userGroups: Record<string, { group: string; node: Node; path: string }>;
  defaultGroup: { name: string; node: Node; path: string } | undefined;
  gpuLimits: Map<string, { value: number | null; node: Node; path: string }>;
  sites: Sites;
  root: Node;
}

export function parsePolicy(text: string, file: string, options: ParseOptions = {}): ParseResult {
  const now = options.now ?? new Date();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const r = new PolicyReader(file, lineCounter, doc as Document);
  if (reportSyntax(r, doc as Document)) return finish(r, undefined);

  const root = doc.contents as Node | null;
  if (!root) {
    r.error(null, '', 'the policy file is empty', {
      hint: 'start from the shipped config/resource-limits.yaml',
    });
    return finish(r, undefined);
  }
  const entries = r.entries(root, '', 'a mapping of sections (defaults, groups, …)');
  if (!entries) return finish(r, undefined);
  return finish(r, readPolicy(r, entries, root, now));
}

function reportSyntax(r: PolicyReader, doc: Document): boolean {
  for (const warning of doc.warnings) r.report('warning', nodeAt(warning.pos[0]), '', warning.message);
  for (const error of doc.errors) {
    const hint = error.message.startsWith('Flow ') ? SYNTAX_HINTS.FLOW : SYNTAX_HINTS[error.code];
    r.report('error', nodeAt(error.pos[0]), '', error.message, hint ? { hint } : {});
  }
  return doc.errors.length > 0;
}

/** A stand-in node so syntax errors go through the same position mapping as everything else. */
function nodeAt(offset: number): Node {
  return { range: [offset, offset, offset] } as unknown as Node;
}

const SYNTAX_HINTS: Record<string, string> = {
  TAB_AS_INDENT: 'indent with spaces; YAML does not allow tabs',
  DUPLICATE_KEY: 'each key may appear once in a mapping; merge the two entries',
  BAD_INDENT: 'check that keys of one mapping line up in the same column',
  MISSING_CHAR: 'a quote or bracket is not closed',
  FLOW: 'a [ or { is not closed, or its continuation lines are not indented',
  BLOCK_AS_IMPLICIT_KEY: 'a value cannot itself be "key: value" on one line; quote it or nest it',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line; a ":" may be missing',
};

function readPolicy(r: PolicyReader, entries: Entry[], root: Node, now: Date): Policy | undefined {
  const draft: Draft = {
    defaults: {},
    groups: {},
    groupKeyNodes: new Map(),
    userOverrides: {},
    userGroups: {},
    defaultGroup: undefined,
    gpuLimits: new Map(),
    sites: new Map(),
    root,
  };
  const partial: Partial<Omit<Policy, 'admin'>> = {};
  let lifecycle: Partial<LifecyclePolicy> = {};
  let admin: Partial<AdminPolicy> = {};
  let legacyAdmin: Partial<AdminPolicy> = {};

  for (const entry of entries) {
    const { value, path } = entry;
    switch (entry.key) {
      case 'defaults':
        draft.defaults = readFields(
          r,
          r.entries(value, path) ?? [],
          LIMITS_TABLE('defaults'),
          draft.sites,
          'defaults',
        ).values as Partial<Limits>;
        break;
      case 'groups':
        readGroups(r, value, path, draft);
        break;
      case 'user_overrides':
        readUserOverrides(r, value, path, draft);
        break;
      case 'default_group': {
        const name = r.string(value, path, 'a group name');
        if (name !== undefined) draft.defaultGroup = { name, node: value, path };
        break;
      }
      case 'policies':
        lifecycle = readLifecycle(r, value, path, draft.sites, 'policies', false);
        break;
      case 'gpu_allocation':
        partial.gpuAllocation = readGpuAllocation(r, value, path);
        break;
      case 'schedules':
        partial.schedules = readSchedules(r, value, path);
        break;
      case 'images':
        partial.images = readImages(r, value, path);
        break;
      case 'shared_mounts':
        partial.sharedMounts = readSharedMounts(r, value, path);
        break;
      case 'exemptions':
        partial.exemptions = readExemptions(r, value, path, now);
        break;
      case 'admin':
        admin = readAdmin(r, value, path);
        break;
      case 'access_control':
        legacyAdmin = readAccessControl(r, value, path);
        break;
      case 'jobs':
        partial.jobs = readJobs(r, value, path);
        break;
      case 'notifications':
        partial.notifications = readNotifications(r, value, path);
        break;
      case 'booking':
        partial.booking = { ...BUILTIN_BOOKING, ...readBooking(r, value, path) };
        break;
      case 'enforcement': {
        const aggregate = readEnforcement(r, value, path);
        if (aggregate !== undefined) partial.aggregateLimits = aggregate;
        break;
      }
      default: {
        const why = UNIMPLEMENTED_SECTIONS[entry.key];
        if (why !== undefined) {
          r.report(
            'warning',
            entry.keyNode,
            path,
            `section "${entry.key}" is not implemented by ds01 and is ignored`,
            {
              hint: why,
            },
          );
        } else r.unknownKey(entry, [...TOP_LEVEL_KEYS, 'access_control'], 'the top level');
      }
    }
  }

  checkPolicy(r, draft);
  if (r.diagnostics.some((d) => d.severity === 'error')) return undefined;

  const defaultGroup = draft.defaultGroup?.name ?? 'default';
  return {
    defaults: { ...BUILTIN_LIMITS, ...draft.defaults },
    groups: draft.groups,
    userOverrides: draft.userOverrides,
    userGroups: Object.fromEntries(Object.entries(draft.userGroups).map(([u, g]) => [u, g.group])),
    defaultGroup,
    gpuAllocation: partial.gpuAllocation ?? { ...BUILTIN_GPU_ALLOCATION },
    lifecycle: { ...BUILTIN_LIFECYCLE, ...lifecycle },
    schedules: partial.schedules ?? { ...BUILTIN_SCHEDULES },
    images: partial.images ?? [],
    sharedMounts: partial.sharedMounts ?? [],
    exemptions: partial.exemptions ?? [],
    admin: adminGroupOrDefault({
      group: admin.group ?? legacyAdmin.group,
      users: [...new Set([...(admin.users ?? []), ...(legacyAdmin.users ?? [])])],
    } as Partial<AdminPolicy>),
    aggregateLimits: partial.aggregateLimits ?? false,
    jobs: partial.jobs ?? { idleTimeoutMs: null },
    notifications: partial.notifications ?? BUILTIN_NOTIFY,
    booking: partial.booking ?? { ...BUILTIN_BOOKING },
    lines: Object.fromEntries([...draft.sites].map(([key, site]) => [key, r.line(site.node)])),
  };
}

function readLifecycle(
  r: PolicyReader,
  node: Node,
  path: string,
  sites: Sites,
  scope: string,
  perGroup: boolean,
): Partial<LifecyclePolicy> {
  const where = perGroup ? `${path} (per-group policies)` : 'policies';
  const { values } = readFields(
    r,
    r.entries(node, path) ?? [],
    LIFECYCLE_TABLE(where, perGroup),
    sites,
    scope,
  );
  // Read as a duration for the unit handling; the contract keeps whole seconds.
  if (typeof values.sigtermGraceSec === 'number') values.sigtermGraceSec = values.sigtermGraceSec / 1000;
  return values as Partial<LifecyclePolicy>;
}

function readGroups(r: PolicyReader, node: Node, path: string, draft: Draft): void {
  const memberOf = new Map<string, string>();
  for (const group of r.entries(node, path) ?? []) {
    draft.groupKeyNodes.set(group.key, group.keyNode);
    const scope = `groups.${group.key}`;
    const entries = r.entries(group.value, group.path) ?? [];
    const read = readFields(
      r,
      entries,
      LIMITS_TABLE(`group "${group.key}"`, GROUP_EXTRA_KEYS),
      draft.sites,
      scope,
    );
    const policy: GroupPolicy = {
      members: [],
      limits: read.values as Partial<Limits>,
      lifecycle: {},
      aggregate: null,
      groupMaxGpus: null,
    };
    for (const extra of read.extras) {
      if (extra.key === 'members') {
        policy.members = readMembers(r, extra, group.key, memberOf);
      } else if (extra.key === 'policies') {
        policy.lifecycle = readLifecycle(r, extra.value, extra.path, draft.sites, `${scope}.policies`, true);
      } else if (extra.key === 'aggregate') {
        policy.aggregate = readAggregate(r, extra, group.key, draft);
      } else if (extra.key === 'booking') {
        policy.booking = readBooking(r, extra.value, extra.path);
      } else if (extra.key === 'group_max_gpus') {
        policy.groupMaxGpus =
          r.number(extra.value, extra.path, { integer: true, min: 0, nullable: true }) ?? null;
      }
    }
    draft.groups[group.key] = policy;
  }
}

function readMembers(r: PolicyReader, entry: Entry, group: string, memberOf: Map<string, string>): string[] {
  const members = r.strings(entry.value, entry.path, 'user names') ?? [];
  const items = r.items(entry.value, entry.path, 'user names') ?? [];
  members.forEach((user, i) => {
    const first = memberOf.get(user);
    if (first === undefined) memberOf.set(user, group);
    else {
      r.report(
        'warning',
        items[i]?.node ?? entry.value,
        `${entry.path}[${i}]`,
        `"${user}" is also a member of "${first}"`,
        {
          hint: `the first group listed wins: ${user} gets "${first}"`,
        },
      );
    }
  });
  return members;
}

const CPU_QUOTA = /^(\d+(?:\.\d+)?)%$/;

function readAggregate(r: PolicyReader, entry: Entry, group: string, draft: Draft): AggregateLimits {
  const out: AggregateLimits = { cpus: null, memoryMaxBytes: null, memoryHighBytes: null, tasksMax: null };
  for (const field of r.entries(entry.value, entry.path) ?? []) {
    const { value, path } = field;
    switch (field.key) {
      case 'cpu_quota': {
        // systemd's CPUQuota: 100% is one CPU. A plain number is a count of CPUs.
        const raw = r.scalar(value);
        const match = typeof raw === 'string' ? CPU_QUOTA.exec(raw.trim()) : null;
        if (raw === null) out.cpus = null;
        else if (match) out.cpus = Number(match[1]) / 100;
        else if (typeof raw === 'number')
          out.cpus = r.number(value, path, { min: 0, exclusiveMin: true }) ?? null;
        else
          r.error(value, path, `${JSON.stringify(raw)} is not a CPU quota`, {
            expected: 'a percentage such as "9600%" (100% = 1 CPU) or a number of CPUs',
          });
        break;
      }
      case 'memory_max':
        out.memoryMaxBytes = r.size(value, path, true) ?? null;
        draft.sites.set(`groups.${group}.aggregate.memory_max`, { node: value, path });
        break;
      case 'memory_high':
        out.memoryHighBytes = r.size(value, path, true) ?? null;
        draft.sites.set(`groups.${group}.aggregate.memory_high`, { node: value, path });
        break;
      case 'tasks_max':
        out.tasksMax = r.number(value, path, { integer: true, min: 1, nullable: true }) ?? null;
        break;
      case 'gpu_limit': {
        const limit = r.number(value, path, { min: 0, nullable: true });
        if (limit !== undefined) draft.gpuLimits.set(group, { value: limit, node: field.keyNode, path });
        break;
      }
      default:
        r.unknownKey(field, AGGREGATE_KEYS, `${entry.path}`);
    }
  }
  return out;
}

function readUserOverrides(r: PolicyReader, node: Node, path: string, draft: Draft): void {
  for (const user of r.entries(node, path) ?? []) {
    const scope = `user_overrides.${user.key}`;
    const entries = r.entries(user.value, user.path) ?? [];
    const read = readFields(
      r,
      entries,
      LIMITS_TABLE(`user_overrides.${user.key}`, ['group']),
      draft.sites,
      scope,
    );
    for (const extra of read.extras) {
      const group = r.string(extra.value, extra.path, 'a group name');
      if (group !== undefined) draft.userGroups[user.key] = { group, node: extra.value, path: extra.path };
    }
    draft.userOverrides[user.key] = read.values as Partial<Limits>;
  }
}

function finish(r: PolicyReader, policy: Policy | undefined): ParseResult {
  const all = dedupe(sortDiagnostics(r.diagnostics));
  const errors = all.filter((d) => d.severity === 'error');
  const warnings = all.filter((d) => d.severity !== 'error');
  if (policy && errors.length === 0) return { ok: true, policy: deepFreeze(policy), warnings };
  return { ok: false, errors, warnings };
}

/** Inherited settings are checked once per group; one bad line should print once. */
function dedupe(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diags.filter((d) => {
    const key = `${d.file}:${d.line}:${d.column}:${d.severity}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

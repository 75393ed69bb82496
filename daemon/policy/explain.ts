// `ds01 config explain USER`: the limits a user gets, in the YAML's own names and units, and which line of the
// policy (defaults, group, override, exemption) each one comes from.

import { type PolicyUser, resolveLimits } from './resolve.js';
import { LIMIT_FIELDS, LIMIT_YAML_NAME } from './schema.js';
import type { LimitKey, Policy, ResolvedLimits, Source } from './types.js';
import { formatDuration, formatSize } from './units.js';

const VIA: Record<ResolvedLimits['groupVia'], string> = {
  'user-override': 'set in user_overrides',
  members: 'members list',
  'linux-group': 'Linux group of the same name',
  'default-group': 'default_group',
};

/** `file` is the policy file in force: each FROM names the line of it the value was read from. */
export function explain(policy: Policy, user: PolicyUser, now: Date = new Date(), file?: string): string {
  const resolved = resolveLimits(policy, user, now);
  const rows = Object.entries(LIMIT_FIELDS).map(([name, field]) => [
    name,
    formatLimit(field.key, resolved.limits[field.key]),
    describeSource(resolved.sources[field.key], policy, name),
  ]);
  const lines = [
    `${user.name}: group "${resolved.group}" (${VIA[resolved.groupVia]})`,
    ...(file ? [`policy: ${file}`] : []),
    '',
    ...table(['KEY', 'VALUE', 'FROM'], rows),
  ];
  lines.push('', storageLine(resolved));
  for (const e of resolved.exemptions) {
    const keys = e.keys === 'lifecycle' ? 'lifecycle' : e.keys.map((k) => LIMIT_YAML_NAME[k]).join(', ');
    lines.push('', `exemption until ${e.expires} (${keys}): ${e.reason}`);
  }
  return lines.join('\n');
}

/** The soft limits the storage quotas warn at, and whether a hard limit refuses anything (two short lines). */
export function storageLine(r: ResolvedLimits): string {
  const pct = Math.round(r.lifecycle.storageSoftThreshold * 100);
  const soft = (hard: number | null) =>
    hard === null ? 'no quota' : `at ${formatSize(Math.floor(hard * r.lifecycle.storageSoftThreshold))}`;
  const enforced = r.lifecycle.enforceStorageQuotas
    ? 'over a hard limit, deploys and builds are refused'
    : 'not enforced (enforce_storage_quotas: false): measured and warned only';
  return `storage: warning at ${pct}% of a quota (workspace ${soft(r.limits.storageWorkspaceBytes)}, images ${soft(r.limits.storageImagesBytes)})\n  ${enforced}`;
}

export function formatLimit(key: LimitKey, value: unknown): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (value === null) return key.endsWith('Ms') ? 'never' : 'unlimited';
  if (typeof value !== 'number') return String(value);
  if (key.endsWith('Ms')) return formatDuration(value);
  if (key.endsWith('Bytes')) return formatSize(value);
  return String(value);
}

/** The line of the policy file a value was read from, or null (a built-in default, an exemption). */
export function sourceLine(source: Source, policy: Policy, yamlName: string): number | null {
  if (source === 'default') return policy.lines?.[`defaults.${yamlName}`] ?? null;
  const i = source.indexOf(':');
  const section = { group: 'groups', user: 'user_overrides' }[source.slice(0, i)];
  return section ? (policy.lines?.[`${section}.${source.slice(i + 1)}.${yamlName}`] ?? null) : null;
}

/** Where a value came from, with its line in the file when it was set there (else the built-in default). */
export function describeSource(source: Source, policy: Policy, yamlName: string): string {
  const at = (section: string) => {
    const line = policy.lines?.[`${section}.${yamlName}`];
    return line === undefined ? undefined : `${section} (line ${line})`;
  };
  if (source === 'default') return at('defaults') ?? (policy.lines ? 'built-in default' : 'defaults');
  const [kind, rest] = [source.slice(0, source.indexOf(':')), source.slice(source.indexOf(':') + 1)];
  if (kind === 'group') return at(`groups.${rest}`) ?? `groups.${rest}`;
  if (kind === 'user') return at(`user_overrides.${rest}`) ?? `user_overrides.${rest}`;
  const reason = policy.exemptions.find((e) => e.expires === rest)?.reason;
  return `exemption until ${rest}${reason ? ` (${reason})` : ''}`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

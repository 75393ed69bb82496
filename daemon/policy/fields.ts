// Reads one mapping of typed keys (a limits block, `policies`) against a catalogue from schema.ts: resolves old
// spellings with a note, warns about keys ds01 does not implement, and rejects unknown keys with a did-you-mean.

import type { Node } from 'yaml';
import type { Entry, PolicyReader } from './reader.js';
import { type Alias, type FieldKind, findAlias } from './schema.js';
import { formatDuration } from './units.js';

/** Where each setting was written, keyed `<scope>.<canonical name>`, for cross-field diagnostics. */
export type Sites = Map<string, { node: Node; path: string }>;

export interface FieldTable<K extends string> {
  where: string;
  fields: Readonly<Record<string, { key: K; kind: FieldKind }>>;
  aliases: Readonly<Record<string, Alias>>;
  unimplemented: Readonly<Record<string, string>>;
  /** Keys the caller reads itself (e.g. `members`); returned untouched. */
  extra?: readonly string[];
  /** Canonical names that are known but not allowed in this scope, with why. */
  refused?: Readonly<Record<string, string>>;
}

export interface FieldsRead<K extends string> {
  values: Partial<Record<K, unknown>>;
  extras: Entry[];
}

export function readFields<K extends string>(
  r: PolicyReader,
  entries: Entry[],
  table: FieldTable<K>,
  sites: Sites,
  scope: string,
): FieldsRead<K> {
  const values: Partial<Record<K, unknown>> = {};
  const extras: Entry[] = [];
  const setBy = new Map<string, string>();
  const known = [...Object.keys(table.fields), ...Object.keys(table.aliases), ...(table.extra ?? [])];

  for (const entry of entries) {
    if (table.extra?.includes(entry.key)) {
      extras.push(entry);
      continue;
    }
    const alias = table.fields[entry.key] ? undefined : findAlias(entry.key, table.fields, table.aliases);
    const name = alias?.canonical ?? entry.key;
    const field = table.fields[name];
    if (!field) {
      const instead = table.unimplemented[entry.key];
      if (instead !== undefined) {
        r.report(
          'warning',
          entry.keyNode,
          entry.path,
          `"${entry.key}" is not implemented by ds01 and is ignored`,
          {
            hint: instead,
          },
        );
      } else {
        r.unknownKey(entry, known, table.where);
      }
      continue;
    }
    const refusal = table.refused?.[name];
    if (refusal !== undefined) {
      r.error(entry.keyNode, entry.path, `"${entry.key}" cannot be set in ${table.where}`, { hint: refusal });
      continue;
    }
    const earlier = setBy.get(name);
    if (earlier !== undefined) {
      r.error(entry.keyNode, entry.path, `"${entry.key}" sets ${name} again (already set by "${earlier}")`, {
        hint: 'keep one of them',
      });
      continue;
    }
    setBy.set(name, entry.key);
    const value = readValue(r, entry.value, entry.path, field.kind, alias);
    if (value === undefined) continue;
    values[field.key] = value;
    sites.set(`${scope}.${name}`, { node: entry.value, path: entry.path });
    if (alias) noteAlias(r, entry, name, field.kind, value, alias);
  }
  return { values, extras };
}

function noteAlias(
  r: PolicyReader,
  entry: Entry,
  name: string,
  kind: FieldKind,
  value: unknown,
  alias: Alias,
) {
  const shown =
    kind.type === 'duration' && typeof value === 'number'
      ? formatDuration(value)
      : value === null
        ? 'null'
        : String(value);
  const how = alias.oneMinus ? ` (a reduction of ${1 - (value as number)} is a factor of ${shown})` : '';
  r.report('note', entry.keyNode, entry.path, `"${entry.key}" is read as ${name}: ${shown}${how}`, {
    hint: `the old spelling; "${name}" is the ds01 name`,
  });
}

/** One typed value; undefined when it was reported as an error. */
export function readValue(
  r: PolicyReader,
  node: Node,
  path: string,
  kind: FieldKind,
  alias?: Alias,
): number | boolean | number[] | null | undefined {
  switch (kind.type) {
    case 'number': {
      if (alias?.oneMinus) {
        const reduction = r.number(node, path, { min: 0, max: 1 });
        return reduction === undefined || reduction === null ? undefined : round(1 - reduction);
      }
      return r.number(node, path, kind.spec);
    }
    case 'bool':
      return r.boolean(node, path);
    case 'size':
      return r.size(node, path, kind.nullable);
    case 'duration': {
      const unit = alias?.unit ?? kind.unit;
      const scalar = r.scalar(node);
      if (alias?.unit && typeof scalar === 'string') {
        return r.error(node, path, `"${scalar}" is not a number`, {
          expected: `a number of ${unitName(unit)}, or null`,
          hint: `or write it as "${alias.canonical}: ${scalar}"`,
        });
      }
      return r.duration(node, path, unit, kind.nullable);
    }
    case 'durations': {
      const items = r.items(node, path, 'durations');
      if (!items) return undefined;
      const out: number[] = [];
      for (const item of items) {
        const ms = r.duration(item.node, item.path, kind.unit, false);
        if (ms === 0)
          r.error(item.node, item.path, 'a warning point of 0 would warn at the moment of the stop');
        else if (typeof ms === 'number') out.push(ms);
      }
      return [...new Set(out)].sort((a, b) => b - a);
    }
  }
}

function round(n: number): number {
  return Math.round(n * 1e9) / 1e9;
}

function unitName(unit: string): string {
  return { d: 'days', h: 'hours', m: 'minutes', s: 'seconds' }[unit] ?? unit;
}

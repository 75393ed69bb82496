// Walks the YAML syntax tree keeping every node's file:line:column, so each diagnostic points at the exact key
// (unknown keys) or value (bad values). Leaf checks use zod; the messages are rewritten to name the YAML path.

import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node, Scalar } from 'yaml';
import { z } from 'zod';
import { didYouMean } from './diagnostics.js';
import type { Diagnostic, Severity } from './types.js';
import { type DurationUnit, parseDuration, parseSize, UnitError } from './units.js';

export interface Entry {
  key: string;
  keyNode: Node;
  value: Node;
  path: string;
}

type Extra = Pick<Diagnostic, 'expected' | 'hint'>;

export class PolicyReader {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly file: string,
    private readonly lineCounter: LineCounter,
    private readonly doc: Document,
  ) {}

  report(severity: Severity, node: Node | null, path: string, message: string, extra: Extra = {}): void {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = this.lineCounter.linePos(offset);
    const diagnostic: Diagnostic = { severity, file: this.file, line, column: col, path, message };
    if (extra.expected !== undefined) diagnostic.expected = extra.expected;
    if (extra.hint !== undefined) diagnostic.hint = extra.hint;
    this.diagnostics.push(diagnostic);
  }

  /** The 1-based line a node starts on. */
  line(node: Node): number {
    return this.lineCounter.linePos(node.range?.[0] ?? 0).line;
  }

  error(node: Node | null, path: string, message: string, extra?: Extra): undefined {
    this.report('error', node, path, message, extra);
    return undefined;
  }

  /** Follows `*anchor` references so sections may share YAML anchors. */
  deref(node: Node): Node {
    return isAlias(node) ? ((node.resolve(this.doc) as Node | undefined) ?? node) : node;
  }

  /** The pairs of a mapping, `<<: *anchor` merged in first (explicit keys win), or undefined after an error. */
  entries(node: Node, path: string, what = 'a mapping'): Entry[] | undefined {
    const map = this.deref(node);
    if (isEmpty(map)) return []; // a section whose keys are all commented out
    if (!isMap(map)) return this.error(node, path, `must be ${what}`, { expected: what });
    const explicit: Entry[] = [];
    const merged: Entry[] = [];
    for (const pair of map.items) {
      const keyNode = pair.key as Node;
      if (!isScalar(keyNode) || (typeof keyNode.value !== 'string' && typeof keyNode.value !== 'number')) {
        this.error(keyNode, path, 'keys must be plain names');
        continue;
      }
      const key = String(keyNode.value);
      const value = emptyAware(pair.value as Node | null, keyNode);
      if (key === '<<') {
        const source = this.entries(value, path, 'a mapping to merge (<<: *anchor)');
        for (const entry of source ?? []) merged.push({ ...entry, path: join(path, entry.key) });
        continue;
      }
      explicit.push({ key, keyNode, value, path: join(path, key) });
    }
    const named = new Set(explicit.map((e) => e.key));
    return [...merged.filter((e) => !named.has(e.key)), ...explicit];
  }

  items(node: Node, path: string, what: string): { node: Node; path: string }[] | undefined {
    const seq = this.deref(node);
    if (isEmpty(seq)) return [];
    if (!isSeq(seq))
      return this.error(node, path, `must be a list of ${what}`, { expected: `a list of ${what}` });
    return seq.items.map((item, i) => ({ node: item as Node, path: `${path}[${i}]` }));
  }

  unknownKey(entry: Entry, known: Iterable<string>, where: string): void {
    const suggestion = didYouMean(entry.key, known);
    this.error(entry.keyNode, entry.path, `unknown key "${entry.key}" in ${where}`, {
      ...(suggestion ? { hint: `did you mean "${suggestion}"?` } : {}),
    });
  }

  scalar(node: Node): unknown {
    const target = this.deref(node);
    return isScalar(target) ? (target as Scalar).value : target;
  }

  /** An integer or real number checked by zod; `nullable` admits YAML null (unlimited). */
  number(node: Node, path: string, spec: NumberSpec): number | null | undefined {
    const value = this.scalar(node);
    if (value === null && spec.nullable) return null;
    const result = numberSchema(spec).safeParse(value);
    if (result.success) return result.data;
    return this.error(node, path, describeIssue(result.error.issues[0], value, spec), {
      expected: expectedNumber(spec),
      ...(typeof value === 'string' && /^-?\d/.test(value)
        ? { hint: 'write the number without quotes' }
        : {}),
    });
  }

  boolean(node: Node, path: string): boolean | undefined {
    const value = this.scalar(node);
    if (typeof value === 'boolean') return value;
    const hint =
      typeof value === 'string' && /^(yes|no|on|off)$/i.test(value) ? 'YAML 1.2 reads this as text' : '';
    return this.error(node, path, `${show(value)} is not true or false`, {
      expected: 'true or false',
      ...(hint ? { hint } : {}),
    });
  }

  string(node: Node, path: string, what = 'text'): string | undefined {
    const value = this.scalar(node);
    if (typeof value === 'string' && value.trim() !== '') return value;
    return this.error(node, path, `${show(value)} is not ${what}`, { expected: what });
  }

  strings(node: Node, path: string, what: string): string[] | undefined {
    const items = this.items(node, path, what);
    if (!items) return undefined;
    const out: string[] = [];
    for (const item of items) {
      const value = this.scalar(item.node);
      if (typeof value === 'string' || typeof value === 'number') out.push(String(value));
      else this.error(item.node, item.path, `${show(value)} is not ${what}`, { expected: what });
    }
    return out;
  }

  duration(node: Node, path: string, unit: DurationUnit, nullable: boolean): number | null | undefined {
    return this.unit(node, path, nullable, (v) => parseDuration(v, unit), unitWord(unit));
  }

  size(node: Node, path: string, nullable: boolean): number | null | undefined {
    return this.unit(node, path, nullable, parseSize, 'bytes');
  }

  private unit(
    node: Node,
    path: string,
    nullable: boolean,
    parse: (v: string | number) => number | null,
    plain: string,
  ): number | null | undefined {
    const value = this.scalar(node);
    if (value === null) {
      if (nullable) return null;
      return this.error(node, path, 'cannot be null here', {
        hint: 'give a value; this setting has no "unlimited"',
      });
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      return this.error(node, path, `${show(value)} is not a value with a unit`, {
        hint: `plain numbers count in ${plain}`,
      });
    }
    try {
      return parse(value);
    } catch (err) {
      if (!(err instanceof UnitError)) throw err;
      return this.error(node, path, err.message, { expected: err.expected });
    }
  }
}

function isEmpty(node: Node): boolean {
  return isScalar(node) && node.value === null;
}

/** `key:` with nothing after it parses as an empty scalar sitting after the colon; point at the key instead. */
function emptyAware(value: Node | null, keyNode: Node): Node {
  const range = value?.range;
  if (value && !(isScalar(value) && value.value === null && range && range[0] === range[1])) return value;
  const empty = new Scalar(null);
  empty.range = keyNode.range ?? [0, 0, 0];
  return empty;
}

export interface NumberSpec {
  integer?: boolean;
  min?: number;
  max?: number;
  /** Strictly greater than `min`. */
  exclusiveMin?: boolean;
  nullable?: boolean;
}

function numberSchema(spec: NumberSpec): z.ZodType<number> {
  let schema = spec.integer ? z.number().int() : z.number();
  if (spec.min !== undefined) schema = spec.exclusiveMin ? schema.gt(spec.min) : schema.min(spec.min);
  if (spec.max !== undefined) schema = schema.max(spec.max);
  return schema;
}

function describeIssue(issue: z.core.$ZodIssue | undefined, value: unknown, spec: NumberSpec): string {
  const kind = spec.integer ? 'a whole number' : 'a number';
  switch (issue?.code) {
    case 'too_small':
      return typeof value === 'number' && value < 0 && (spec.min ?? 0) >= 0
        ? `${value} is negative`
        : spec.exclusiveMin
          ? `${value} is not more than ${spec.min}`
          : `${value} is below the minimum ${spec.min}`;
    case 'too_big':
      return `${value} is above the maximum ${spec.max}`;
    default:
      return `${show(value)} is not ${kind}`;
  }
}

function expectedNumber(spec: NumberSpec): string {
  const kind = spec.integer ? 'a whole number' : 'a number';
  const low = spec.min === undefined ? '' : spec.exclusiveMin ? ` > ${spec.min}` : ` ≥ ${spec.min}`;
  const high = spec.max === undefined ? '' : ` ≤ ${spec.max}`;
  const range = low && high ? ` in ${spec.exclusiveMin ? '(' : '['}${spec.min}, ${spec.max}]` : low || high;
  return `${kind}${range}${spec.nullable ? ', or null for unlimited' : ''}`;
}

function unitWord(unit: DurationUnit): string {
  return { d: 'days', h: 'hours', m: 'minutes', s: 'seconds' }[unit];
}

export function show(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `"${value}"`;
  if (typeof value === 'object') return isSeq(value) ? 'a list' : isMap(value) ? 'a mapping' : 'this value';
  return String(value);
}

export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

// What holds a V8 heap: a .heapsnapshot's objects summed by kind (constructor name for objects, the node
// type for code, strings and arrays), largest first. The file is V8's JSON (a flat `nodes` array of
// `snapshot.meta.node_fields` per node, names as indexes into `strings`).
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface HeapGroup {
  what: string;
  bytes: number;
  count: number;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Groups by kind, largest first, and the total of every node's own size. */
export function summarizeHeap(json: string): { total: number; groups: HeapGroup[] } {
  const s = JSON.parse(json) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = s.snapshot.meta.node_types[0];
  const groups = new Map<string, HeapGroup>();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + typeAt] as number] ?? '?';
    const size = s.nodes[i + sizeAt] as number;
    total += size;
    // Objects by constructor; everything else (code, strings, arrays, hidden) by its type.
    const what =
      type === 'object' || type === 'native' ? `${type} ${s.strings[s.nodes[i + nameAt] as number]}` : type;
    const g = groups.get(what) ?? { what, bytes: 0, count: 0 };
    g.bytes += size;
    g.count++;
    groups.set(what, g);
  }
  return { total, groups: [...groups.values()].sort((a, b) => b.bytes - a.bytes) };
}

export function summarizeHeapFile(path: string) {
  return summarizeHeap(readFileSync(path, 'utf8'));
}

/** "code 9.1 MiB, string 4.0 MiB, …" for the first `n` groups. */
export function describeHeap(groups: HeapGroup[], n = 8): string {
  return groups
    .slice(0, n)
    .map((g) => `${g.what} ${(g.bytes / 2 ** 20).toFixed(1)} MiB`)
    .join(', ');
}

/**
 * Asks a process started with `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=DIR` for a heap snapshot (V8
 * collects garbage first, so the total is what the heap keeps) and summarises it; the file is removed.
 */
export async function takeHeapSnapshot(
  pid: number,
  dir: string,
): Promise<{ total: number; groups: HeapGroup[] }> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 120_000;
  let file: string | undefined;
  while (!file) {
    if (Date.now() > deadline) throw new Error(`no heap snapshot from pid ${pid} in ${dir}`);
    await new Promise((r) => setTimeout(r, 500));
    file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
  }
  // Written when the file is complete: wait until its size stops changing.
  for (let size = -1; ; ) {
    await new Promise((r) => setTimeout(r, 500));
    const now = statSync(join(dir, file)).size;
    if (now === size && now > 0) break;
    size = now;
  }
  try {
    return summarizeHeapFile(join(dir, file));
  } finally {
    rmSync(join(dir, file), { force: true });
  }
}
